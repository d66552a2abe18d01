/** The cloud-recording session's behaviours with the worker's workflow cache (see the cases file). */
import { defineSessionTests } from './cloud-recording-session.cases';

defineSessionTests({ workerOptions: {} });
