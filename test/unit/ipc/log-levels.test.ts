import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/observers/logger.ts';
import { ownLogLine, PINO_LEVELS } from '../../../src/ipc/log-levels.ts';

it("podvisor's hand-made log lines have the shape of its pino logger's lines", () => {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) } as unknown as Writable);
  logger.fatal({ errors: ['x'] }, 'bad');
  const fromPino = JSON.parse(lines[0] as string) as Record<string, unknown>;
  const byHand = JSON.parse(ownLogLine('fatal', 'bad', { errors: ['x'] })) as Record<string, unknown>;
  assert.deepEqual(Object.keys(byHand), Object.keys(fromPino));
  assert.equal(byHand['level'], PINO_LEVELS.fatal);
  assert.equal(fromPino['level'], PINO_LEVELS.fatal);
  assert.equal(byHand['levelName'], fromPino['levelName']);
});
