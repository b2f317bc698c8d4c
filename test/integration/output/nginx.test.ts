import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, freePort, message, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

/** nginx in the foreground on a loopback port, with its error log on stderr and every path in `prefix`. */
function nginxConfig(prefix: string, port: number, extra = ''): string {
  return `daemon off;
master_process on;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  ${extra}
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "nginx under podvisor\\n"; }
  }
}
`;
}

async function answers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    return response.status === 200 && (await response.text()) === 'nginx under podvisor\n';
  } catch {
    return false;
  }
}

describe('output: nginx (Debian) logs [emerg] at run time', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'podvisor-nginx-'));
  mkdirSync(join(prefix, 'tmp'));
  const running: RunningPodvisor[] = [];
  after(async () => {
    await stopAll(running);
    rmSync(prefix, { recursive: true, force: true });
  });

  it('a reload with a broken config logs [emerg]: podvisor restarts nginx with reason fatal_log', async () => {
    const port = await freePort();
    const config = join(prefix, 'nginx.conf');
    writeFileSync(config, nginxConfig(prefix, port));
    const podvisor = startPodvisor({
      command: ['nginx', '-p', prefix, '-c', config, '-e', 'stderr'],
      // The restart waits long enough for the test to mend the config first.
      env: { PODVISOR_READINESS: `tcp:${port}`, PODVISOR_RESTART_DELAY_MS: '1500' },
    });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    await eventually(() => answers(port), 'nginx answering', 15000);

    // Break the config and ask for a reload: nginx's master keeps running on the old config and logs
    // "[emerg] … unknown directive" on stderr — a fatal line by the rule.
    writeFileSync(config, nginxConfig(prefix, port, 'this_is_not_a_directive on;'));
    podvisor.signal('SIGHUP');
    const fatal = await podvisor.waitForLog(message('the server reported a fatal error'));
    assert.equal(fatal.stream, 'stderr');
    assert.match(String(fatal.line), /\[emerg\] \d+#\d+: unknown directive "this_is_not_a_directive"/);
    writeFileSync(config, nginxConfig(prefix, port));
    const restart = await podvisor.waitForLog(message('restarting the server'));
    assert.equal(restart.reason, 'fatal_log');
    // The restart's own log line quotes the offending line.
    assert.match(String(restart.cause), /^fatal_log \(.*\): .*\[emerg\] .*unknown directive "this_is_not_a_directive"/);

    await podvisor.waitForLogs(message('server started'), 2);
    await eventually(() => answers(port), 'the restarted nginx answering', 15000);
    // nginx's own lines passed through unchanged.
    assert.match(podvisor.stderr(), /\n\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[emerg\] \d+#\d+: unknown directive "this_is_not_a_directive" in [^\n]+nginx\.conf:\d+\n/);
    assert.equal(podvisor.logs.filter(message('restarting the server')).length, 1);

    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });
});
