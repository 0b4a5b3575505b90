import { posix } from 'node:path';
import type { Client, SFTPWrapper } from 'ssh2';
import { UserError } from '../errors.js';

/** The SFTP subsystem of a connection (one session per connection, opened on first use). */
export function openSftp(client: Client, label: string): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) =>
    client.sftp((err, sftp) =>
      err
        ? reject(
            new UserError(
              label,
              `SFTP unavailable: ${err.message}`,
              'enable the sftp subsystem in sshd_config',
            ),
          )
        : resolve(sftp),
    ),
  );
}

/**
 * Writes `content` to `path` atomically: a temporary file created with `mode` from the
 * start (O_CREAT|O_EXCL with the mode, so there is no readable window), then renamed.
 */
export function uploadAtomic(
  sftp: SFTPWrapper,
  where: { label: string; user: string },
  path: string,
  content: string | Buffer,
  mode: number,
  reject: (err: Error) => void,
): Promise<void> {
  const dir = posix.dirname(path);
  const tmp = posix.join(dir, `.${posix.basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  return new Promise<void>((resolve) => {
    sftp.open(tmp, 'wx', { mode }, (err, handle) => {
      if (err)
        return reject(
          new UserError(
            where.label,
            `cannot create ${tmp}: ${err.message}`,
            `check that ${dir} exists and is writable by ${where.user}`,
          ),
        );
      const finish = (e?: Error | null) => {
        sftp.close(handle, () => {
          if (e)
            return sftp.unlink(tmp, () =>
              reject(
                new UserError(
                  where.label,
                  `upload to ${path} failed: ${e.message}`,
                  'check free disk space on the host',
                ),
              ),
            );
          sftp.ext_openssh_rename(tmp, path, (renameErr) => {
            if (renameErr)
              return sftp.unlink(tmp, () =>
                reject(
                  new UserError(
                    where.label,
                    `cannot move upload into ${path}: ${renameErr.message}`,
                    'check permissions',
                  ),
                ),
              );
            resolve();
          });
        });
      };
      if (data.length === 0) return finish();
      writeAll(sftp, handle, data, finish);
    });
  });
}

/** A file's content, or undefined when it does not exist. */
export function readRemoteFile(
  sftp: SFTPWrapper,
  label: string,
  path: string,
  reject: (err: Error) => void,
): Promise<Buffer | undefined> {
  return new Promise<Buffer | undefined>((resolve) => {
    sftp.readFile(path, (err: (Error & { code?: number }) | undefined, data) => {
      if (err)
        return err.code === 2
          ? resolve(undefined)
          : reject(new UserError(label, `cannot read ${path}: ${err.message}`, 'check permissions'));
      resolve(data);
    });
  });
}

/**
 * Writes `data` at its offsets with up to 64 requests in flight (SFTP answers them in any
 * order): one round trip per 32 KB chunk would make a 20 MB upload take tens of seconds.
 */
function writeAll(sftp: SFTPWrapper, handle: Buffer, data: Buffer, done: (e?: Error | null) => void): void {
  const CHUNK = 32 * 1024;
  const IN_FLIGHT = 64;
  let next = 0;
  let active = 0;
  let failed = false;
  const pump = () => {
    while (!failed && active < IN_FLIGHT && next < data.length) {
      const offset = next;
      const length = Math.min(CHUNK, data.length - offset);
      next += length;
      active++;
      sftp.write(handle, data, offset, length, offset, (err) => {
        active--;
        if (failed) return;
        if (err) {
          failed = true;
          return done(err);
        }
        if (next >= data.length && active === 0) return done();
        pump();
      });
    }
  };
  pump();
}
