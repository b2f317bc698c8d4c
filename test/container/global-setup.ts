// The container suite's one build and one cleanup (node --test --test-global-setup): the image is built once
// for every file of the run, and at the end every image and container the run made is removed, so that a run
// leaves nothing but the cached base images. The names are this checkout's own (podman.ts), so another
// checkout's run at the same time is never touched.
import { CHECKOUT, markBuiltForTheRun, buildImage, removeCheckoutArtifacts } from './podman.ts';

export async function globalSetup(): Promise<void> {
  // Whatever an interrupted run of this checkout left behind.
  const { removed } = await removeCheckoutArtifacts();
  if (removed.length > 0) console.log(`# removed ${removed.length} leftover(s) of an earlier run of ${CHECKOUT}: ${removed.join(', ')}`);
  const seconds = await buildImage();
  console.log(`# podman build of the image (from scratch, no layer cache): ${seconds.toFixed(1)} s`);
  markBuiltForTheRun();
}

export async function globalTeardown(): Promise<void> {
  const { removed, left } = await removeCheckoutArtifacts();
  console.log(`# removed what the run made: ${removed.join(', ')}`);
  if (left.length > 0) throw new Error(`the container suite could not remove: ${left.join(', ')}`);
}
