import { main } from './main.ts';

// The entry point of bin/podvisor and of the image's ENTRYPOINT.
const status = await main(process.argv.slice(2), process.env);
process.exit(status);
