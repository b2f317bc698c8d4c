import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, freePort, message, type RunningPodvisor, startPodvisor, stopAll } from '../../helpers/podvisor-process.ts';

/** nginx in the foreground on a loopback port, with its error log on stderr and every path in `prefix`. */
function nginxConfig(prefix: string, port: number, extra = '', locations = ''): string {
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
    ${locations}
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

  it('a failed reload logs [emerg] but nginx serves on: the line is not confirmed, nothing restarts, HTTP stays 200', async () => {
    const port = await freePort();
    const httpPort = await freePort();
    const config = join(prefix, 'nginx.conf');
    writeFileSync(config, nginxConfig(prefix, port));
    // podvisor's defaults but a shorter confirmation window, to keep the test short; readiness auto (no health
    // check): the ports nginx listens on are what judges it.
    const podvisor = startPodvisor({
      command: ['nginx', '-p', prefix, '-c', config, '-e', 'stderr'],
      env: { PODVISOR_FATAL_CONFIRM_SECONDS: '2', PODVISOR_HTTP_PORT: String(httpPort), PODVISOR_HTTP_HOST: '127.0.0.1' },
    });
    running.push(podvisor);
    await podvisor.waitForLog(message('server started'));
    await eventually(() => answers(port), 'nginx answering', 15000);

    // Break the config and ask for a reload: nginx's master keeps running on the old config and logs
    // "[emerg] … unknown directive" on stderr — a fatal line by the rule, about the reload, not the server.
    writeFileSync(config, nginxConfig(prefix, port, 'this_is_not_a_directive on;'));
    podvisor.signal('SIGHUP');
    const fatal = await podvisor.waitForLog(message('the server reported a fatal error'));
    assert.equal(fatal.stream, 'stderr');
    assert.match(String(fatal.line), /\[emerg\] \d+#\d+: unknown directive "this_is_not_a_directive"/);
    // While the line awaits confirmation nginx serves, and podvisor says it is ready.
    assert.equal(await answers(port), true);
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status, 200);
    const dismissed = await podvisor.waitForLog(message('the fatal line was not confirmed: the server serves on'));
    assert.ok(Number(dismissed.seconds) >= 1.9);
    assert.equal(await answers(port), true, 'still the old config, still 200');
    assert.equal(podvisor.logs.filter(message('restarting the server')).length, 0);
    assert.equal(podvisor.logs.filter(message('server started')).length, 1);
    const status = (await (await fetch(`http://127.0.0.1:${httpPort}/status`)).json()) as { state: string };
    assert.equal(status.state, 'running');
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    assert.match(metrics, /^podvisor_fatal_lines_total\{outcome="not_confirmed"\} 1$/m);
    assert.match(metrics, /^podvisor_fatal_lines_total\{outcome="confirmed"\} 0$/m);
    // nginx's own lines passed through unchanged.
    assert.match(podvisor.stderr(), /\n\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[emerg\] \d+#\d+: unknown directive "this_is_not_a_directive" in [^\n]+nginx\.conf:\d+\n/);

    writeFileSync(config, nginxConfig(prefix, port));
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });

  it('the same with a tcp: health check configured: it keeps passing, nothing restarts', async () => {
    const port = await freePort();
    const config = join(prefix, 'nginx-tcp.conf');
    writeFileSync(config, nginxConfig(prefix, port));
    const podvisor = startPodvisor({
      command: ['nginx', '-p', prefix, '-c', config, '-e', 'stderr'],
      env: { PODVISOR_READINESS: `tcp:${port}`, PODVISOR_FATAL_CONFIRM_SECONDS: '1.5' },
    });
    running.push(podvisor);
    await podvisor.waitForLog((line) => line.msg === 'state changed' && line['to'] === 'running');
    writeFileSync(config, nginxConfig(prefix, port, 'this_is_not_a_directive on;'));
    podvisor.signal('SIGHUP');
    await podvisor.waitForLog(message('the server reported a fatal error'));
    await podvisor.waitForLog(message('the fatal line was not confirmed: the server serves on'));
    assert.equal(await answers(port), true);
    assert.equal(podvisor.logs.filter(message('restarting the server')).length, 0);
    writeFileSync(config, nginxConfig(prefix, port));
    podvisor.signal('SIGTERM');
    assert.equal(await podvisor.exited(), 0);
  });

  // nginx's graceful stop is SIGQUIT (SIGTERM is its fast stop): PODVISOR_STOP_SIGNAL chooses what the server gets.
  for (const [stopSignal, completes] of [['SIGQUIT', true], ['', false]] as const) {
    it(`a 600 KB rate-limited download in flight at SIGTERM ${completes ? 'completes' : 'is cut'} with PODVISOR_STOP_SIGNAL=${stopSignal || '(unset: SIGTERM)'}`, async () => {
      const port = await freePort();
      const config = join(prefix, `nginx-download-${stopSignal || 'term'}.conf`);
      const files = join(prefix, 'files');
      mkdirSync(files, { recursive: true });
      writeFileSync(join(files, 'big.bin'), Buffer.alloc(600 * 1024, 7));
      // nginx's workers run as nobody when the tests run as root: the file must be readable to them.
      for (const path of [prefix, files, join(files, 'big.bin')]) chmodSync(path, 0o755);
      writeFileSync(config, nginxConfig(prefix, port, '', `location /files/ { alias ${files}/; limit_rate 200k; }`));
      const podvisor = startPodvisor({
        command: ['nginx', '-p', prefix, '-c', config, '-e', 'stderr'],
        env: { PODVISOR_DRAIN_SECONDS: '10', ...(stopSignal === '' ? {} : { PODVISOR_STOP_SIGNAL: stopSignal }) },
      });
      running.push(podvisor);
      await eventually(() => answers(port), 'nginx answering', 15000);
      const response = await fetch(`http://127.0.0.1:${port}/files/big.bin`);
      assert.equal(response.status, 200);
      const download = response.arrayBuffer().then((body) => body.byteLength).catch(() => -1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      podvisor.signal('SIGTERM');
      const received = await download;
      assert.equal(await podvisor.exited(20_000), 0);
      if (completes) assert.equal(received, 600 * 1024, 'the whole file');
      else assert.ok(received < 600 * 1024, `cut at ${received} bytes`);
    });
  }
});
