/** Secret hygiene of public inputs: credential-like fields in any case and place, credentials in URLs, URL schemes. */
import { z } from 'zod';
import { findCredentials, HttpUrl, isCredentialName, urlCarriesCredential, withoutCredentials } from '../../src/schemas/hygiene';

test.each([
  'token',
  'Token',
  'subBotToken',
  'secretKey',
  'SecretKey',
  'secret_key',
  'SECRET-KEY',
  'stsToken',
  'sts_token',
  'accessKey',
  'AccessKeyId',
  'customerSecret',
  'appCertificate',
  'password',
  'authKey',
  'auth_key',
  'apiKey',
  'storageConfig',
  'AK',
  'sk',
  'credentials',
])('%s is a credential name', (name) => expect(isCredentialName(name)).toBe(true));

test.each(['channel', 'profile', 'storageProfile', 'keyframe', 'layoutKey', 'maxIdleTime', 'languages', 'skip', 'task', 'tokenTtlSeconds'])('%s is not', (name) => {
  // tokenTtlSeconds ends in "seconds", not "token": a lifetime, not a credential
  expect(isCredentialName(name)).toBe(false);
});

test('credentials are found anywhere, with their paths', () => {
  const issues = findCredentials({
    channel: 'c',
    clientRequest: { extensionParams: { stsToken: 'x', SecretKey: 'y' }, list: [{ nested: { Password: 'p' } }] },
    page: 'https://example.com/page?access_token=abc',
    image: 'https://user:pw@example.com/a.png',
    fine: 'https://example.com/a.png?w=1',
    rtmp: 'rtmp://cdn.example.com/live/streamkey?token=abc',
  });
  expect(issues.map((i) => i.path.join('.'))).toEqual([
    'clientRequest.extensionParams.stsToken',
    'clientRequest.extensionParams.SecretKey',
    'clientRequest.list.0.nested.Password',
    'page',
    'image',
  ]);
});

test('a wrapped schema refuses credentials before its own checks, naming each path', () => {
  const schema = withoutCredentials(z.strictObject({ channel: z.string(), opts: z.record(z.string(), z.unknown()).optional() }));
  const r = schema.safeParse({ channel: 'c', opts: { Access_Key: 'k' } });
  expect(r.success).toBe(false);
  expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['opts.Access_Key']);
  expect(schema.parse({ channel: 'c' })).toEqual({ channel: 'c' });
});

test('HttpUrl takes http(s) only, without credentials', () => {
  for (const ok of ['https://example.com/page', 'http://example.com:8080/a.png?w=2']) expect(HttpUrl.safeParse(ok).success).toBe(true);
  for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,<b>x</b>', 'ftp://example.com/a', 'https://example.com/?token=x', 'not a url']) {
    expect(HttpUrl.safeParse(bad).success).toBe(false);
  }
  expect(urlCarriesCredential('https://bucket.s3.amazonaws.com/a.png?X-Amz-Signature=abc')).toBe(true);
});

test('URL fields anywhere (also in loosely typed parts) refuse schemes no vendor should fetch', () => {
  const { findUnsafeUrls } = jest.requireActual<typeof import('../../src/schemas/hygiene')>('../../src/schemas/hygiene');
  expect(
    findUnsafeUrls({
      a: { backgroundImage: 'javascript:alert(1)', ok: 'javascript:fine-not-a-url-field' },
      outputs: [{ rtmpUrl: 'rtmp://cdn/live/key' }, { rtmpUrl: 'file:///etc/passwd' }],
      image_url: 'DATA:image/png;base64,xx',
      page: { url: 'https://example.com' },
    }).map((i) => i.path.join('.')),
  ).toEqual(['a.backgroundImage', 'outputs.1.rtmpUrl', 'image_url']);
});

test('more credential spellings, parameters and padded URLs are caught', () => {
  const { findCredentials } = jest.requireActual<typeof import('../../src/schemas/hygiene')>('../../src/schemas/hygiene');
  const paths = findCredentials({
    a: { pwd: 'x', passphrase: 'x', appCert: 'x', cookie: 'x', Bearer: 'x', privKey: 'x', keep: 'ok' },
    urls: [
      ' https://u:p@h.example/x',
      'https://cdn.example/x?access_key=1',
      'https://cdn.example/x?auth_key=1',
      'https://h.example/x#access_token=1',
      'https://h.example/x?width=1',
    ],
  }).map((i) => i.path.join('.'));
  expect(paths).toEqual(['a.pwd', 'a.passphrase', 'a.appCert', 'a.cookie', 'a.Bearer', 'a.privKey', 'urls.0', 'urls.1', 'urls.2', 'urls.3']);
});
