// @ts-check
'use strict';
/**
 * AppCDS (a class-data archive) cuts broker startup by ~40% here: most of it is loading Scala/Kafka
 * classes. The archive is dumped by the first broker JVM on a graceful exit and used by every later one.
 */

const fs = require('node:fs');
const path = require('node:path');

const CDS_ARCHIVE = 'broker-classes.jsa'; // lives next to the jars it describes, so a reinstall drops it

/**
 * @typedef {{ mode: 'off' | 'use', archive: string, args: string[] }
 *   | { mode: 'dump', archive: string, dump: string, args: string[] }} CdsPlan
 */

/**
 * JVM args plus what to do with the archive afterwards.
 * @param {string} libsDir
 * @param {string} dataDir where a new archive is dumped before it is published
 * @param {boolean} enabled
 * @returns {CdsPlan}
 */
function cdsPlan(libsDir, dataDir, enabled) {
  const archive = path.join(libsDir, CDS_ARCHIVE);
  if (!enabled) return { mode: 'off', archive, args: [] };
  if (fs.existsSync(archive)) return { mode: 'use', archive, args: [`-XX:SharedArchiveFile=${archive}`] };
  const dump = path.join(dataDir, CDS_ARCHIVE);
  // The dump logs hundreds of harmless "Skipping class" warnings; they would drown real broker output.
  return {
    mode: 'dump',
    archive,
    dump,
    args: [`-XX:ArchiveClassesAtExit=${dump}`, '-Xlog:cds=off,cds+dynamic=off'],
  };
}

/**
 * Publishes a freshly dumped archive. Only after a graceful JVM exit: JDK 17 crashes (SIGBUS) on a
 * truncated archive instead of ignoring it, so a half-written file must never reach the cache.
 * @param {CdsPlan} plan
 * @param {boolean} graceful
 */
function publishCdsArchive(plan, graceful) {
  if (plan.mode !== 'dump' || !fs.existsSync(plan.dump)) return;
  try {
    if (graceful && !fs.existsSync(plan.archive)) {
      const staging = `${plan.archive}.tmp-${process.pid}`;
      fs.copyFileSync(plan.dump, staging); // dataDir and cache may be on different filesystems
      fs.renameSync(staging, plan.archive);
    }
  } catch {
    // best effort: the next broker simply dumps again
  } finally {
    fs.rmSync(plan.dump, { force: true });
  }
}

/**
 * A damaged archive crashes the JVM at boot; dropping it lets the next clean stop re-create it.
 * @param {string} libsDir
 */
function dropCdsArchive(libsDir) {
  fs.rmSync(path.join(libsDir, CDS_ARCHIVE), { force: true });
}

module.exports = { cdsPlan, publishCdsArchive, dropCdsArchive };
