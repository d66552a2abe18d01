/**
 * SDK-HMAC-SHA256 (sparkrtc.md §2.3) against the official vectors of the Go SDK's signer_test.go, the
 * digest's two worked examples, the emulator-side verification, the §5.4 callback signature, and — as a
 * dev-only cross-check — Huawei's own Node SDK signer (@huaweicloud/huaweicloud-sdk-core).
 */
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import {
  buildUrl,
  canonicalQuery,
  canonicalUri,
  EMPTY_BODY_SHA256,
  formatSdkDate,
  parseAuthorization,
  parseSdkDate,
  percentEncode,
  queryPairs,
  sha256Hex,
  sign,
  verify,
} from '../../src/sparkrtc/signer';
import { callbackSignature, signCallback, verifyCallback } from '../../src/sparkrtc/callbacks';

describe('official test vectors (Go SDK signer_test.go)', () => {
  const creds = { ak: 'AccessKey', sk: 'SecretKey' };
  const only = { date: '20060102T150405Z', signedHeaders: ['x-sdk-date'] };

  test('GET /path?limit=1 without a body', () => {
    const s = sign(creds, { method: 'GET', url: 'http://example.com/path?limit=1' }, only);
    expect(s.signature).toBe('5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');
    expect(s.canonicalRequest).toBe(`GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n${EMPTY_BODY_SHA256}`);
  });

  test('POST /path?key=value hashes the exact body bytes, trailing newline included', () => {
    const body = '{"Name":"test","Id":1}\n';
    expect(sign(creds, { method: 'POST', url: 'http://example.com/path?key=value', body }, only).signature).toBe(
      'cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
    );
    // one byte less is another signature
    expect(sign(creds, { method: 'POST', url: 'http://example.com/path?key=value', body: body.trimEnd() }, only).signature).not.toBe(
      'cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
    );
  });

  test('query escaping: RFC 3986, upper-case hex, space as %20, * and / escaped', () => {
    expect(percentEncode('一 (&=?!#%.*)')).toBe('%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29');
    expect(percentEncode('a/b+c~d_e-f.g')).toBe('a%2Fb%2Bc~d_e-f.g');
  });
});

describe('the worked examples of sparkrtc.md §2.3', () => {
  const creds = { ak: 'EXAMPLEAK0000000000', sk: 'EXAMPLESKexampleSKexampleSKexampleSK0000' };
  const project = '01234567890123456789012345678901';

  test('1: POST a mixed stream job, signing content-type;host;x-project-id;x-sdk-date', () => {
    const body =
      '{"mix_param":{"room_id":"room001","encode_template":"1280*720_15_2260","max_idle_time":30,"layout_template":"nine_grids_view"},"record_param":{"record_rule_id":"5d0ec2c53a2c15625017adb8bbcd9ab"}}';
    const s = sign(
      creds,
      {
        method: 'POST',
        url: 'https://rtc-api.myhuaweicloud.com/v2/apps/5ff9701f2346968bb306cb43/mix-stream-jobs',
        headers: { 'Content-Type': 'application/json', 'X-Project-Id': project },
        body,
      },
      { date: '20250819T080000Z' },
    );
    expect(s.canonicalRequest).toBe(
      [
        'POST',
        '/v2/apps/5ff9701f2346968bb306cb43/mix-stream-jobs/',
        '',
        'content-type:application/json',
        'host:rtc-api.myhuaweicloud.com',
        `x-project-id:${project}`,
        'x-sdk-date:20250819T080000Z',
        '',
        'content-type;host;x-project-id;x-sdk-date',
        '28f2d71d3f630c2790ce6562867de90b270dc3d58a28d09987605082a587a2a5',
      ].join('\n'),
    );
    expect(sha256Hex(s.canonicalRequest)).toBe('6ba20939fc10678923e51113639bdfe9d41beca82bde36565adbb669e3b42236');
    expect(s.stringToSign).toBe('SDK-HMAC-SHA256\n20250819T080000Z\n6ba20939fc10678923e51113639bdfe9d41beca82bde36565adbb669e3b42236');
    expect(s.signature).toBe('5bbf6a53e76d485f2523d5d77704f23f215b51bee2a8643e92ee4ddf5033c937');
    expect(s.authorization).toBe(
      'SDK-HMAC-SHA256 Access=EXAMPLEAK0000000000, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=5bbf6a53e76d485f2523d5d77704f23f215b51bee2a8643e92ee4ddf5033c937',
    );
    expect(s.headers).toMatchObject({ host: 'rtc-api.myhuaweicloud.com', 'x-sdk-date': '20250819T080000Z', authorization: s.authorization });
  });

  test('2: GET with an unsorted query and no body', () => {
    const url = buildUrl('https://rtc-api.myhuaweicloud.com', `/v1/${project}/rtc/rooms`, { app: '5ff9701f2346968bb306cb43', state: 'RUNNING', limit: 10, offset: 0 });
    expect(url).toBe(`https://rtc-api.myhuaweicloud.com/v1/${project}/rtc/rooms?app=5ff9701f2346968bb306cb43&limit=10&offset=0&state=RUNNING`);
    const s = sign(creds, { method: 'GET', url, headers: { 'X-Project-Id': project } }, { date: '20250819T080000Z' });
    expect(s.canonicalRequest.split('\n').slice(0, 3)).toEqual(['GET', `/v1/${project}/rtc/rooms/`, 'app=5ff9701f2346968bb306cb43&limit=10&offset=0&state=RUNNING']);
    expect(sha256Hex(s.canonicalRequest)).toBe('634ae23e78a2e7e681e329504b631ae2a6bd98736319cdd23fff221eb41124b0');
    expect(s.signature).toBe('e5803134eaa83f4bc2d3cbac16f00559a88134ff23f25e775b641e35323379c4');
  });
});

describe('building blocks', () => {
  test('X-Sdk-Date is YYYYMMDDTHHMMSSZ in UTC and parses back strictly', () => {
    const at = Date.UTC(2025, 7, 19, 8, 0, 5, 999);
    expect(formatSdkDate(at)).toBe('20250819T080005Z');
    expect(parseSdkDate('20250819T080005Z')).toBe(Date.UTC(2025, 7, 19, 8, 0, 5));
    for (const bad of ['2025-08-19T08:00:05Z', '20250819T080005', '20251319T080005Z', '20250230T000000Z', '', undefined]) expect(parseSdkDate(bad)).toBeUndefined();
  });

  test('the canonical URI always ends in /, each segment encoded from its decoded form', () => {
    expect(canonicalUri('/v2/apps')).toBe('/v2/apps/');
    expect(canonicalUri('/v2/apps/')).toBe('/v2/apps/');
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('')).toBe('/');
    expect(canonicalUri('/rooms/a b*c')).toBe('/rooms/a%20b%2Ac/');
    // the path as sent (already percent-encoded) gives the same canonical form
    expect(canonicalUri(`/rooms/${encodeURIComponent('a b*c')}`)).toBe('/rooms/a%20b%2Ac/');
    expect(canonicalUri('/rooms/%E4%B8%80')).toBe('/rooms/%E4%B8%80/');
  });

  test('the canonical query sorts names, then repeated values, and keeps empty values', () => {
    expect(canonicalQuery(queryPairs({ b: 'x y', a: ['2', '1'], c: '', skip: undefined }))).toBe('a=1&a=2&b=x%20y&c=');
    expect(canonicalQuery([])).toBe('');
  });

  test('signing refuses a signed header that is not sent, and an X-Sdk-Date header that disagrees', () => {
    expect(() => sign({ ak: 'a', sk: 'b' }, { method: 'GET', url: 'https://h/x' }, { signedHeaders: ['x-project-id'] })).toThrow(/x-project-id/);
    expect(() => sign({ ak: 'a', sk: 'b' }, { method: 'GET', url: 'https://h/x', headers: { 'X-Sdk-Date': '20250101T000000Z' } }, { date: '20250101T000001Z' })).toThrow(/differ/);
  });

  test('the Authorization header parses back', () => {
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=ABCDEF01')).toEqual({
      access: 'AK1',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: 'abcdef01',
    });
    expect(parseAuthorization('Basic abc')).toBeUndefined();
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=AK1, Signature=00')).toBeUndefined();
  });
});

describe('verification (the emulated gateway)', () => {
  const creds = { ak: 'AK-verify', sk: 'SK-verify-secret' };
  const now = Date.UTC(2025, 7, 19, 8, 0, 0);
  const url = 'http://127.0.0.1:8480/v2/apps/app1/mix-stream-jobs?b=2&a=1';
  const body = '{"mix_param":{}}';
  const signed = (at = now, b = body) => sign(creds, { method: 'POST', url, headers: { 'content-type': 'application/json', 'x-project-id': 'p1' }, body: b }, { date: at });
  const check = (headers: Record<string, string>, overrides: Partial<Parameters<typeof verify>[0]> = {}) =>
    verify({ method: 'POST', rawUrl: '/v2/apps/app1/mix-stream-jobs?b=2&a=1', headers, body, now, secretFor: (ak) => (ak === creds.ak ? creds.sk : undefined), ...overrides });

  test('a fresh signature verifies, whatever the order of the query as sent', () => {
    expect(check(signed().headers)).toMatchObject({ ok: true, ak: creds.ak, signedHeaders: ['content-type', 'host', 'x-project-id', 'x-sdk-date'] });
  });

  test('the 15-minute window around X-Sdk-Date, both ways', () => {
    expect(check(signed(now - 14 * 60_000).headers).ok).toBe(true);
    expect(check(signed(now + 14 * 60_000).headers).ok).toBe(true);
    expect(check(signed(now - 15 * 60_000 - 1_000).headers)).toMatchObject({ ok: false, failure: 'date_skew' });
    expect(check(signed(now + 16 * 60_000).headers)).toMatchObject({ ok: false, failure: 'date_skew' });
  });

  test('a changed body, path, header or key fails', () => {
    const h = signed().headers;
    expect(check(h, { body: '{"mix_param":{"x":1}}' })).toMatchObject({ ok: false, failure: 'signature' });
    expect(check(h, { rawUrl: '/v2/apps/app2/mix-stream-jobs?b=2&a=1' })).toMatchObject({ ok: false, failure: 'signature' });
    expect(check({ ...h, 'x-project-id': 'p2' })).toMatchObject({ ok: false, failure: 'signature' });
    expect(check(h, { secretFor: () => 'another-secret' })).toMatchObject({ ok: false, failure: 'signature' });
    expect(check(h, { secretFor: () => undefined })).toMatchObject({ ok: false, failure: 'unknown_ak' });
  });

  test('missing, malformed, undated and host-less signatures fail', () => {
    const h = signed().headers;
    expect(check({})).toMatchObject({ ok: false, failure: 'missing' });
    expect(check({ ...h, authorization: 'SDK-HMAC-SHA256 nonsense' })).toMatchObject({ ok: false, failure: 'malformed' });
    const { ['x-sdk-date']: _date, ...undated } = h;
    expect(check(undated)).toMatchObject({ ok: false, failure: 'bad_date' });
    const hostless = sign(creds, { method: 'POST', url, headers: {}, body }, { date: now, signedHeaders: ['x-sdk-date'] });
    expect(check(hostless.headers)).toMatchObject({ ok: false, failure: 'unsigned_header' });
  });
});

describe('callback signature (sparkrtc.md §5.4)', () => {
  const key = '8923ab8c2dcef4538923ab8c2dcef453';
  const body =
    '{"event_type":"RECORD_FILE_COMPLETE","app_id":"5ff9701f2346968bb306cb43","room_id":"room001","job_id":"607f9fc100d861eeefff9b300b388dab","stream_name":"m_607f9fc100d861eeefff9b300b388dab_room001","record_format":"MP4"}';

  test('the worked example', () => {
    expect(callbackSignature(key, '538144', '1755590400', body)).toBe('935be83c4e5712239616d50bc731b921d31931b6c130255c3cfa70bdb32d21ee');
    const headers = { 'X-Rtc-Rand': '538144', 'X-Rtc-Timestamp': '1755590400', 'X-Rtc-Signature': '935be83c4e5712239616d50bc731b921d31931b6c130255c3cfa70bdb32d21ee' };
    expect(verifyCallback(key, headers, body, { nowMs: 1755590400_000 + 30_000 })).toEqual({ ok: true, timestampMs: 1755590400_000 });
  });

  test('tampered bodies, wrong keys, stale or missing headers are refused', () => {
    const at = 1755590400_000;
    const h = signCallback(key, body, { nowMs: at });
    expect(verifyCallback(key, h, body, { nowMs: at }).ok).toBe(true);
    expect(verifyCallback(key, h, Buffer.from(body), { nowMs: at }).ok).toBe(true);
    expect(verifyCallback(key, h, body.replace('MP4', 'HLS'), { nowMs: at })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyCallback('another-key', h, body, { nowMs: at })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyCallback(key, h, body, { nowMs: at + 11 * 60_000 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyCallback(key, { ...h, 'X-Rtc-Timestamp': 'soon' }, body, { nowMs: at })).toEqual({ ok: false, reason: 'bad_timestamp' });
    expect(verifyCallback(key, { 'x-rtc-rand': h['X-Rtc-Rand']! }, body, { nowMs: at })).toEqual({ ok: false, reason: 'missing_headers' });
    // a millisecond timestamp is recognised as such
    const ms = { ...h, 'X-Rtc-Timestamp': String(at), 'X-Rtc-Signature': callbackSignature(key, h['X-Rtc-Rand']!, String(at), body) };
    expect(verifyCallback(key, ms, body, { nowMs: at })).toEqual({ ok: true, timestampMs: at });
  });
});

describe('cross-check with Huawei SDK core (AKSKSigner, dev dependency)', () => {
  const ak = 'EXAMPLEAK0000000000';
  const sk = 'EXAMPLESKexampleSKexampleSKexampleSK0000';
  const credential = { getAk: () => ak, getSk: () => sk } as unknown as Parameters<typeof AKSKSigner.sign>[1];

  test.each([
    [
      'POST',
      '/v2/apps/5ff9701f2346968bb306cb43/mix-stream-jobs',
      {},
      { mix_param: { room_id: 'room001', encode_template: '1280*720_15_2260' }, record_param: { record_rule_id: 'r1' } },
    ],
    ['GET', '/v2/apps/5ff9701f2346968bb306cb43/record-rules', { offset: '0', limit: '10' }, undefined],
    ['GET', '/v2/rtc-ops/buckets/objects', { bucket: 'obsName', prefix: 'Record/a b/', type: 'objects', location: 'cn-north-4' }, undefined],
    ['DELETE', '/v2/apps/5ff9701f2346968bb306cb43/individual-stream-jobs/607f87cf00d861eeefffa6c88054cdab', {}, undefined],
    ['PUT', '/v2/apps/5ff9701f2346968bb306cb43/record-callback', {}, { url: 'https://example.com/cb?x=1', auth_key: '一二三' }],
  ] as const)('%s %s', (method, path, query, data) => {
    const headers = { 'Content-Type': 'application/json', 'X-Project-Id': '01234567890123456789012345678901', 'X-Sdk-Date': '20250819T080000Z' };
    const theirs = AKSKSigner.sign(
      { endpoint: `https://rtc-api.myhuaweicloud.com${path}`, method, headers: { ...headers }, queryParams: { ...query }, data } as unknown as Parameters<
        typeof AKSKSigner.sign
      >[0],
      credential,
    ) as Record<string, string>;
    const ours = sign({ ak, sk }, { method, url: buildUrl('https://rtc-api.myhuaweicloud.com', path, query), headers, body: data === undefined ? '' : JSON.stringify(data) });
    expect(ours.authorization).toBe(theirs.Authorization);
  });
});
