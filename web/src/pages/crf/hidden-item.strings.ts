import { registerAreaStrings } from '../../i18n/area-strings.ts';

// This area's strings (see registerAreaStrings): imported for its effect by every module that uses them.

const en = {
  kept: 'The condition for showing this item no longer holds; its stored value is kept and shown read-only.',
  clearing:
    'The condition for showing this item no longer holds; saving clears this stored value (the reason for change applies).',
};

registerAreaStrings('hiddenItem', en, {
  kept: '此条目的显示条件已不成立；其已存储的值予以保留，并以只读方式显示。',
  clearing: '此条目的显示条件已不成立；保存将清除此已存储的值（需填写修改原因）。',
});
