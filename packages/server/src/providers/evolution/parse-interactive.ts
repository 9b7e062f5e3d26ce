/**
 * Readers of the Evolution (Baileys) message kinds that answer or ask
 * something (issue #13): button, list and template-button replies, native
 * flow answers (`interactiveResponseMessage`) and polls. Field names from
 * Baileys' WAProto as Evolution passes them through `prepareMessage`
 * (EvolutionAPI/evolution-api `src/utils/getConversationMessage.ts` reads the
 * same fields). Pure.
 */
import type { InteractiveReplyInfo } from '@newton/protocol';
import { interactiveReply, jsonText, type ParsedContent, pollContent } from '../interactive.js';
import { isObj, type Obj, str } from '../json-read.js';

/** `buttonsResponseMessage`: `{selectedButtonId, selectedDisplayText, type}`. */
function buttonsResponse(p: Obj): ParsedContent {
  return interactiveReply({ kind: 'button', id: str(p.selectedButtonId), title: str(p.selectedDisplayText) });
}

/** `listResponseMessage`: `{title, description, singleSelectReply: {selectedRowId}}`. */
function listResponse(p: Obj): ParsedContent {
  const reply = isObj(p.singleSelectReply) ? p.singleSelectReply : {};
  return interactiveReply({
    kind: 'list',
    id: str(reply.selectedRowId),
    title: str(p.title),
    description: str(p.description),
  });
}

/** `templateButtonReplyMessage`: `{selectedId, selectedDisplayText, selectedIndex}`. */
function templateButtonReply(p: Obj): ParsedContent {
  return interactiveReply({
    kind: 'template_button',
    id: str(p.selectedId),
    title: str(p.selectedDisplayText),
  });
}

/** Native-flow button names and what they are (Baileys `nativeFlowResponseMessage.name`). */
const NATIVE_KINDS: Record<string, InteractiveReplyInfo['kind']> = {
  quick_reply: 'button',
  single_select: 'list',
  galaxy_message: 'flow',
  flow: 'flow',
};

/**
 * `interactiveResponseMessage`: `{body: {text}, nativeFlowResponseMessage:
 * {name, paramsJson, version}}`. A quick reply's params carry `{id,
 * display_text}`; a Flow's carry the form's answers (kept whole).
 */
function interactiveResponse(p: Obj): ParsedContent {
  const flow = isObj(p.nativeFlowResponseMessage) ? p.nativeFlowResponseMessage : {};
  const body = isObj(p.body) ? str(p.body.text) : null;
  const name = str(flow.name);
  const params = jsonText(flow.paramsJson);
  const fields = isObj(params) ? params : {};
  const kind: InteractiveReplyInfo['kind'] =
    (name ? NATIVE_KINDS[name] : undefined) ?? (fields.flow_token !== undefined ? 'flow' : 'native_flow');
  const id = str(fields.id) ?? (typeof fields.id === 'number' ? String(fields.id) : null);
  const title = str(fields.display_text) ?? str(fields.title) ?? body;
  const isForm = kind === 'flow' || kind === 'native_flow';
  return interactiveReply({
    kind,
    id: isForm ? str(fields.flow_token) : id,
    title,
    name,
    ...(isForm ? { response_json: params } : {}),
  });
}

/** `pollCreationMessage` (V2, V3): `{name, options: [{optionName}], selectableOptionsCount}`. */
function pollCreation(p: Obj): ParsedContent {
  return pollContent(p.name, p.options, p.selectableOptionsCount);
}

/** Readers by content key, tried after the common kinds of parse.ts. */
export const INTERACTIVE_READERS: ReadonlyArray<readonly [string, (part: Obj) => ParsedContent]> = [
  ['buttonsResponseMessage', buttonsResponse],
  ['listResponseMessage', listResponse],
  ['templateButtonReplyMessage', templateButtonReply],
  ['interactiveResponseMessage', interactiveResponse],
  ['pollCreationMessage', pollCreation],
  ['pollCreationMessageV2', pollCreation],
  ['pollCreationMessageV3', pollCreation],
  ['pollCreationMessageV4', pollCreation],
];
