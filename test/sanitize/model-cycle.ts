// The model cycle of cycle.ts as a program, for LeakSanitizer and valgrind (which watch a whole
// process): node --import tsx test/sanitize/model-cycle.ts [architecture ...]; prints "ok".
import { loadNative } from '../../lib/backend/native.js';
import { modelCycle } from './cycle.js';

if (!loadNative().addon) throw new Error('the addon did not load');
await modelCycle(process.argv.length > 2 ? process.argv.slice(2) : undefined);
console.log('ok');
