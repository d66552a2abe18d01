/** What the ingest session reads into Media Gateway's answers and NCS events (src/agora/meanings/media-gateway.ts). */
import {
  abortReason,
  defaultExpiresAfter,
  isGatewayGone,
  isOwnEvent,
  isOwnStream,
  keyGoneReason,
  maskedKeyFits,
  maskStreamKey,
  pushAddress,
} from '../../src/agora/meanings/media-gateway';
import type { VendorErrorInfo } from '../../src/http/errors';

const key = { channel: 'demo', uid: '100', streamKey: 'AKx7Bcdefghijklm1Qbs' };

test('a listed stream is ours when it publishes as the key’s channel and uid, and names no other key', () => {
  expect(isOwnStream({ channel: 'demo', uid: '100' }, key)).toBe(true);
  expect(isOwnStream({ channel: 'demo', uid: '100', url: `rtls-ingress-prod-na.agoramdn.com/live/${key.streamKey}` }, key)).toBe(true);
  // the same channel and uid pushed with another key (another session's)
  expect(isOwnStream({ channel: 'demo', uid: '100', url: 'rtls-ingress-prod-na.agoramdn.com/live/OTHERKEY' }, key)).toBe(false);
  expect(isOwnStream({ channel: 'demo', uid: '101' }, key)).toBe(false);
  expect(isOwnStream({ channel: 'demo2', uid: '100' }, key)).toBe(false);
  expect(isOwnStream({ channel: 'demo', uid: 100 } as never, key)).toBe(true);
});

test('NCS masks the key ("7B***Qbs"): an event is ours when its rtcInfo and masked key fit', () => {
  expect(maskStreamKey(key.streamKey)).toBe('AK***Qbs');
  expect(maskedKeyFits('AK***Qbs', key.streamKey)).toBe(true);
  expect(maskedKeyFits('7B***Qbs', key.streamKey)).toBe(false);
  expect(maskedKeyFits(undefined, key.streamKey)).toBe(true);
  expect(isOwnEvent({ sid: 'x', rtcInfo: { channel: 'demo', uid: '100' }, streamKey: 'AK***Qbs' }, key)).toBe(true);
  expect(isOwnEvent({ sid: 'x', rtcInfo: { channel: 'demo', uid: 100 }, streamKey: 'AK***Qbs' }, key)).toBe(true);
  expect(isOwnEvent({ sid: 'x', rtcInfo: { channel: 'demo', uid: '100' }, streamKey: 'ZZ***Qbs' }, key)).toBe(false);
  expect(isOwnEvent({ sid: 'x', rtcInfo: { channel: 'demo', uid: '7' } }, key)).toBe(false);
  expect(isOwnEvent({ sid: 'x' }, key)).toBe(false);
});

test('why things ended, in words', () => {
  expect(abortReason({ errorCode: 2, reason: 'invalid streamKey: the key was expired' })).toBe(
    'the gateway aborted the push (errorCode 2: invalid stream key (expired or destroyed)): invalid streamKey: the key was expired',
  );
  expect(abortReason({})).toBe('the gateway aborted the push (errorCode ?)');
  expect(keyGoneReason(60)).toBe('the stream key expired (expiresAfter 60 s)');
  expect(keyGoneReason(0)).toBe('the stream key was destroyed outside this session');
});

test('a 404 about the resource is "gone"; a gateway route 404 is not', () => {
  const info = (httpStatus: number, reason: string) => ({ httpStatus, reason }) as VendorErrorInfo;
  expect(isGatewayGone(info(404, 'Resource is not found and destroyed.'))).toBe(true);
  expect(isGatewayGone(info(404, 'no Route matched with those values'))).toBe(false);
  expect(isGatewayGone(info(409, 'Resource with the same name already exists.'))).toBe(false);
});

test('the push address and the default key validity', () => {
  expect(pushAddress('eu', 'KEY')).toEqual({
    host: 'rtls-ingress-prod-eu.agoramdn.com',
    server: 'rtmp://rtls-ingress-prod-eu.agoramdn.com/live',
    streamKey: 'KEY',
    rtmpUrl: 'rtmp://rtls-ingress-prod-eu.agoramdn.com/live/KEY',
  });
  expect(defaultExpiresAfter(86_400_000)).toBe(87_000);
  expect(defaultExpiresAfter(1_500)).toBe(602);
});
