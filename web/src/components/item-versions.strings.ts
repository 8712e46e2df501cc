import { registerAreaStrings } from '../i18n/area-strings.ts';

// This area's strings (see registerAreaStrings): imported for its effect by every module that uses them.

const en = {
  removed: 'Removed in the current protocol ({{version}})',
  enteredUnder: 'entered under protocol {{version}}',
  removedNote: '{{removed}}, {{entered}}',
};

registerAreaStrings('sdvVersions', en, {
  removed: '当前方案（{{version}}）已删除此项',
  enteredUnder: '录入时方案版本 {{version}}',
  removedNote: '{{removed}}，{{entered}}',
});
