/**
 * A webhook/callback receiver for tests: an HTTP server on loopback that records every request the
 * emulator delivers (Agora NCS, SparkRTC record callbacks) and answers 200 with a JSON body.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Delivery {
  method: string;
  headers: IncomingHttpHeaders;
  /** the body exactly as sent (signatures are computed over it) */
  raw: string;
  /** `raw` parsed as JSON; undefined when it is empty or not JSON */
  body: any;
}

export class CallbackReceiver {
  readonly received: Delivery[] = [];
  /** where to point the emulator, once started */
  url = '';
  private server?: Server;

  /** `path` is appended to the URL; `answer` is the JSON every request gets. */
  constructor(
    private readonly path: string,
    private readonly answer = '{}',
  ) {}

  /** The JSON bodies received so far, in arrival order. */
  get bodies(): any[] {
    return this.received.map((d) => d.body);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        this.received.push({ method: req.method ?? '', headers: req.headers, raw, body: parseJson(raw) });
        res.writeHead(200, { 'content-type': 'application/json' }).end(this.answer);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}${this.path}`;
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}

/** A receiver for the enclosing describe block: started before its tests, stopped after them. */
export function receiverFor(path: string, answer?: string): CallbackReceiver {
  const receiver = new CallbackReceiver(path, answer);
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());
  return receiver;
}

function parseJson(raw: string): unknown {
  try {
    return raw ? JSON.parse(raw) : undefined;
  } catch {
    return undefined;
  }
}
