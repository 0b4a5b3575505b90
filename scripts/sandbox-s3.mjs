// The sandbox's S3-compatible server (s3rver), kept in the foreground for scripts/sandbox.
import S3rver from 's3rver';

const [port = '4569', directory = '.sandbox/s3'] = process.argv.slice(2);
const server = new S3rver({ port: Number(port), address: '127.0.0.1', directory, silent: true });
await server.run();
console.log(`s3rver listening on 127.0.0.1:${port}, data in ${directory}`);
