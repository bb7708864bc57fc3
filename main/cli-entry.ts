import { main } from './cli.js';

// `serve` keeps running after main() resolves; every other command exits with its code.
const code = await main(process.argv.slice(2));
if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
