// The Containerfiles of the user-image tests, as functions of podvisor's image name: the tests build them with
// the image of the run, and docs/packaging.md shows them with podvisor:0.1.0 (a test checks it does).
import { PYTHON_BASE_IMAGE } from './podman.ts';

/** A user's server not on the kit, FROM podvisor's image, ready when its /healthz answers. */
export function derivedContainerfile(podvisorImage: string): string {
  return [
    `FROM ${podvisorImage}`,
    'COPY container-user-server.mjs ./server.mjs',
    'ENV PORT=3000 PODVISOR_READINESS=http:http://127.0.0.1:3000/healthz',
    'CMD ["node", "server.mjs"]',
    '',
  ].join('\n');
}

/** The README's kit example, FROM podvisor's image: it imports podvisor/server with no install step. */
export function kitServerContainerfile(podvisorImage: string): string {
  return [
    `FROM ${podvisorImage}`,
    'COPY kit-example-server.mjs ./server.mjs',
    'ENV PORT=3000',
    'CMD ["node", "server.mjs"]',
    '',
  ].join('\n');
}

/** podvisor added to an image without Node (Debian bookworm with Debian's python3) by one COPY. */
export function withoutNodeContainerfile(podvisorImage: string): string {
  return [
    `FROM ${PYTHON_BASE_IMAGE}`,
    `COPY --from=${podvisorImage} /opt/podvisor /opt/podvisor`,
    'ENTRYPOINT ["/opt/podvisor/bin/podvisor", "--"]',
    'CMD ["python3", "-m", "http.server", "8000"]',
    '',
  ].join('\n');
}
