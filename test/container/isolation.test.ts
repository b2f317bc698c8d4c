// Two checkouts on one machine run the container suite side by side: each names what it builds and runs after
// itself, and its cleanup removes its own images and containers only, never another checkout's or a base image.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../helpers/podvisor-process.ts';
import { runTool } from '../helpers/tools.ts';
import { CHECKOUT, IMAGE_REPOSITORY, NODE_BASE_IMAGE, PYTHON_BASE_IMAGE, artifactNames, buildFrom, checkoutName, containersOf, imagesOf, podman, removeArtifactsOf } from './podman.ts';

/** A valid image repository (podman's grammar for a path component) and container name. */
const REPOSITORY = /^localhost\/[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

describe('one checkout\'s container suite beside another\'s', { timeout: 300_000 }, () => {
  it('names its images and containers after the checkout: stable for a path, different for two paths with one directory name', () => {
    assert.equal(checkoutName(ROOT), CHECKOUT);
    assert.equal(checkoutName('/work/a/podvisor'), checkoutName('/work/a/podvisor'));
    assert.notEqual(checkoutName('/work/a/podvisor'), checkoutName('/work/b/podvisor'));
    for (const path of ['/work/main', '/work/wt-eco', '/home/Me/My Podvisor (copy)', '/', '/tmp/ÜBER']) {
      const { repository, container } = artifactNames(checkoutName(path));
      assert.match(repository, REPOSITORY, `${path} → ${repository}`);
      const name = `podvisor-test-${checkoutName(path)}-1234-1`;
      assert.match(name, CONTAINER_NAME);
      assert.ok(container.test(name));
    }
    assert.match(IMAGE_REPOSITORY, new RegExp(`^localhost/podvisor-test-${CHECKOUT}$`));
  });

  it('cleans up another checkout\'s images and containers without touching its own or the base images', async () => {
    // Another checkout, named after this one so that two checkouts running this test at once do not share it. Its
    // image is an empty one built here; its container is created, not started. Shared images are never renamed.
    const other = checkoutName(`${ROOT}-another-checkout`);
    const otherImage = `${artifactNames(other).repository}:podvisor`;
    const otherContainer = `podvisor-test-${other}-1-1`;
    after(() => removeArtifactsOf(other));
    const context = mkdtempSync(join(tmpdir(), 'podvisor-isolation-'));
    after(() => rmSync(context, { recursive: true, force: true }));
    writeFileSync(join(context, 'Containerfile'), 'FROM scratch\nLABEL podvisor.test=isolation\n');
    await buildFrom(context, otherImage);
    await podman(['create', '--name', otherContainer, otherImage, 'true']);
    const ownImages = await imagesOf(CHECKOUT);
    const ownContainers = await containersOf(CHECKOUT);
    assert.ok(!ownImages.includes(otherImage) && !ownContainers.includes(otherContainer), 'not counted as this checkout\'s');
    const bases = async (): Promise<string[]> => (await Promise.all([NODE_BASE_IMAGE, PYTHON_BASE_IMAGE].map(async (image) =>
      `${image} ${(await runTool('podman', ['image', 'inspect', image, '--format', '{{.Id}}'])).stdout.trim()}`))).sort();
    const basesBefore = await bases();

    const { removed, left } = await removeArtifactsOf(other);
    assert.deepEqual(removed.sort(), [otherContainer, otherImage].sort());
    assert.deepEqual(left, []);
    assert.deepEqual(await imagesOf(CHECKOUT), ownImages, 'this checkout\'s images are all still there');
    assert.deepEqual(await containersOf(CHECKOUT), ownContainers);
    assert.deepEqual(await bases(), basesBefore, 'the base images keep their names');
  });
});
