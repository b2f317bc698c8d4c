import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelOf, finalFrameLine, frameLine } from '../../../src/reference-server/frames.ts';
import { readStreamSettings } from '../../../src/reference-server/stream-settings.ts';

test('a frame is one JSON object on one line', () => {
  const line = frameLine('news', 3, '2026-11-26T00:00:00.000Z');
  assert.ok(line.endsWith('\n'));
  assert.deepEqual(JSON.parse(line), { channel: 'news', sequence: 3, time: '2026-11-26T00:00:00.000Z' });
  assert.equal(JSON.parse(frameLine('news', 0, '2026-11-26T00:00:00.000Z', 'xxxx')).payload, 'xxxx');
  assert.deepEqual(JSON.parse(finalFrameLine('news', 4, '2026-11-26T00:00:01.000Z', 'shutting_down')), {
    channel: 'news',
    sequence: 4,
    time: '2026-11-26T00:00:01.000Z',
    final: true,
    reason: 'shutting_down',
  });
});

test('channels: /live/<letters, digits, . _ ->, at most 64', () => {
  assert.equal(channelOf('/live/news'), 'news');
  assert.equal(channelOf('/live/cam-1.hd_2'), 'cam-1.hd_2');
  assert.equal(channelOf('/live/'), undefined);
  assert.equal(channelOf('/live/a/b'), undefined);
  assert.equal(channelOf('/live/%22'), undefined);
  assert.equal(channelOf(`/live/${'x'.repeat(65)}`), undefined);
  assert.equal(channelOf('/news'), undefined);
});

test('settings: defaults, and every bad value reported at once with what is accepted', () => {
  assert.deepEqual(readStreamSettings({}), { ok: true, settings: { port: 8080, host: '0.0.0.0', frameIntervalMs: 500, retryAfterSeconds: 5, payloadBytes: 0 } });
  assert.deepEqual(readStreamSettings({ STREAM_PORT: '9000', STREAM_HOST: '127.0.0.1', STREAM_FRAME_INTERVAL_MS: '50', STREAM_RETRY_AFTER_SECONDS: '1', STREAM_FRAME_PAYLOAD_BYTES: '4' }), {
    ok: true,
    settings: { port: 9000, host: '127.0.0.1', frameIntervalMs: 50, retryAfterSeconds: 1, payloadBytes: 4 },
  });
  assert.deepEqual(readStreamSettings({ STREAM_PORT: '70000', STREAM_FRAME_INTERVAL_MS: 'fast' }), {
    ok: false,
    errors: ['STREAM_PORT="70000": accepted is a whole number from 0 to 65535', 'STREAM_FRAME_INTERVAL_MS="fast": accepted is a whole number from 1 to 3600000'],
  });
});
