import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createKafka, deadLetterTopicOf, listDeadLetters, redriveDeadLetter } from '@tally/messaging';
import { stderrLogger } from './cli-support';
import { loadConfig } from './config';

const usage = `Usage: npm run dead-letters -- list [--json]
       npm run dead-letters -- redrive <partition>:<offset> [--value-file fixed.json]

list     every message in <KAFKA_TOPIC>.dead-letter: its id, where it came from, when and why it failed.
redrive  publishes one back to its original topic with its key (so to its stream's partition), as it was
         (after a code fix) or with the corrected event in --value-file. Re-driving twice is harmless.`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean' }, 'value-file': { type: 'string' }, help: { type: 'boolean' } },
  });
  const [command, id] = positionals;
  if (values.help || !command) return console.log(usage);
  const config = loadConfig();
  const kafka = createKafka(config.kafka, stderrLogger);
  const topic = config.kafka.topic;
  if (command === 'list') {
    const letters = await listDeadLetters(kafka, topic);
    if (values.json) return console.log(JSON.stringify(letters, null, 2));
    for (const l of letters)
      console.log(
        `${l.id}\tfrom ${l.originalTopic}/${l.originalPartition}@${l.originalOffset}\t${l.failedAt}\t` +
          `key=${l.key ?? '-'}\t${l.error}`,
      );
    return console.log(`${letters.length} dead letter(s) in ${deadLetterTopicOf(topic)}`);
  }
  if (command === 'redrive' && id && /^\d+:\d+$/.test(id)) {
    const value = values['value-file'] ? readFileSync(values['value-file'], 'utf8').trim() : undefined;
    const letter = await redriveDeadLetter(kafka, topic, id, value);
    return console.log(
      `re-drove ${id} (originally ${letter.originalTopic}/${letter.originalPartition}@${letter.originalOffset}) ` +
        `to ${letter.originalTopic || topic}${value ? ' with the corrected value' : ''}`,
    );
  }
  console.error(usage);
  process.exitCode = 2;
}

main().catch((error: unknown) => {
  console.error(`dead-letters failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
