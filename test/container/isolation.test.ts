// Two checkouts on one machine run the container suite side by side: each names what it builds and runs after
// itself, and its cleanup removes its own images and containers only, never another checkout's or a base image.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ROOT } from '../helpers/podvisor-process.ts';
import { runTool } from '../helpers/tools.ts';
import { CHECKOUT, IMAGE_REPOSITORY, PYTHON_BASE_IMAGE, artifactNames, checkoutName, containersOf, imagesOf, podman, removeArtifactsOf } from './podman.ts';

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

  it('cleans up another checkout\'s images and containers without touching its own or the base image', async () => {
    const other = checkoutName('/nowhere/another-checkout');
    const otherImage = `${artifactNames(other).repository}:podvisor`;
    const otherContainer = `podvisor-test-${other}-1-1`;
    // The other checkout's image is a second name of a base image, as a leftover tag would be; its container is
    // created, not started.
    await podman(['tag', PYTHON_BASE_IMAGE, otherImage]);
    after(async () => {
      await runTool('podman', ['rm', '--force', otherContainer]);
      await runTool('podman', ['untag', otherImage]);
    });
    await podman(['create', '--name', otherContainer, otherImage, 'true']);
    const ownImages = await imagesOf(CHECKOUT);
    const ownContainers = await containersOf(CHECKOUT);
    assert.ok(!ownImages.includes(otherImage) && !ownContainers.includes(otherContainer), 'not counted as this checkout\'s');

    const { removed, left } = await removeArtifactsOf(other);
    assert.deepEqual(removed.sort(), [otherContainer, otherImage].sort());
    assert.deepEqual(left, []);
    assert.deepEqual(await imagesOf(CHECKOUT), ownImages, 'this checkout\'s images are all still there');
    assert.deepEqual(await containersOf(CHECKOUT), ownContainers);
    assert.equal((await runTool('podman', ['image', 'exists', PYTHON_BASE_IMAGE])).code, 0, 'the base image is still there');
  });
});
