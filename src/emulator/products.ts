/** Every emulated product, one module each. */
import type { ProductModule } from './context';
import { registerAgoraCloudRecording } from './agora/cloud-recording';

export const PRODUCTS: ProductModule[] = [registerAgoraCloudRecording];
