/** The help table of `newton user` (#15): a tenant's agents and admins. */
import { type CommandSpec, type GroupSpec, JSON_OPTION, type OptionSpec } from './spec.js';

const TENANT_ARG: [string, string] = ['TENANT_ID', 'The tenant the user belongs to.'];
const USER_ARG: [string, string] = [
  'USER_ID',
  "The user's id: 1-128 letters, digits, `_ . @ + -`; tokens name the user by it (`sub`).",
];

const fields: Record<string, OptionSpec> = {
  name: { type: 'string', value: 'NAME', help: 'The name agents see on bubbles, lists and menus.' },
  role: {
    type: 'string',
    value: 'ROLE',
    help: '`agent` (default) or `admin` (manages users, assigns anyone, diagnostics).',
  },
  email: { type: 'string', value: 'EMAIL', help: 'An email address, for the record (optional).' },
  color: { type: 'string', value: '#RRGGBB', help: 'Avatar colour (default: one chosen by the id).' },
};

const ADD: CommandSpec = {
  name: 'user add',
  summary: 'Creates a user (an agent or admin) of a tenant; tokens whose sub is its id speak for it.',
  usage: ['user add TENANT_ID USER_ID --name NAME [--role ROLE] [--email EMAIL] [--color #RRGGBB] [--json]'],
  args: { min: 2, max: 2, names: 'TENANT_ID USER_ID' },
  arguments: [TENANT_ARG, USER_ARG],
  options: { ...fields, json: JSON_OPTION },
  notes: [
    "Then: TOKEN=$(npx newton token TENANT_ID --user USER_ID) signs the user in; the user's stored role applies whatever the token says.",
    '--json prints the user: {"id", "name", "role", "color", "disabled", "email", "disabled_at", "created_at", "updated_at"}.',
  ],
  examples: [
    'npx newton user add celucambio_main ana --name "Ana Gómez" --role admin --email ana@example.com',
    'npx newton user add celucambio_main bob --name Bob',
  ],
};

const LIST: CommandSpec = {
  name: 'user list',
  summary: "Lists a tenant's users by name: id, name, role, and whether disabled.",
  usage: ['user list TENANT_ID [--json]'],
  args: { min: 1, max: 1, names: 'TENANT_ID' },
  arguments: [TENANT_ARG],
  options: { json: JSON_OPTION },
  notes: ['--json prints an array of users, as `user add --json` prints one.'],
  examples: ['npx newton user list celucambio_main', 'npx newton user list celucambio_main --json'],
};

const UPDATE: CommandSpec = {
  name: 'user update',
  summary: "Changes a user's name, role, email or colour, or enables a disabled user again.",
  usage: [
    'user update TENANT_ID USER_ID [--name NAME] [--role ROLE] [--email EMAIL] [--color #RRGGBB] [--enable] [--json]',
  ],
  args: { min: 2, max: 2, names: 'TENANT_ID USER_ID' },
  arguments: [TENANT_ARG, USER_ARG],
  options: {
    ...fields,
    email: { type: 'string', value: 'EMAIL', help: 'A new email address; an empty string removes it.' },
    enable: { type: 'boolean', help: "Enables a disabled user: the user's tokens work again." },
    json: JSON_OPTION,
  },
  notes: [
    'Running nodes see the change within 2 seconds (the admin API, PATCH /api/admin/users/{id}, at once); a change of name, role or colour reaches open inboxes as user_updated.',
  ],
  examples: [
    'npx newton user update celucambio_main bob --role admin',
    'npx newton user update celucambio_main bob --enable',
  ],
};

const DISABLE: CommandSpec = {
  name: 'user disable',
  summary: 'Disables a user: every token naming it is refused and its open sockets are closed (4401).',
  usage: ['user disable TENANT_ID USER_ID [--json]'],
  args: { min: 2, max: 2, names: 'TENANT_ID USER_ID' },
  arguments: [TENANT_ARG, USER_ARG],
  options: { json: JSON_OPTION },
  notes: [
    'Running nodes see it within 2 seconds (the admin API, PATCH /api/admin/users/{id} {"disabled": true}, at once on every node).',
    'Conversations assigned to the user stay assigned; `user update --enable` undoes it.',
  ],
  examples: ['npx newton user disable celucambio_main bob'],
};

export const USER: GroupSpec = {
  name: 'user',
  summary: "Manages a tenant's users: the agents and admins tokens name.",
  subcommands: [ADD, LIST, UPDATE, DISABLE],
};
