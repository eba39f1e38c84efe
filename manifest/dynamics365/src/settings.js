// @ts-check
/*
 * The three values the Dynamics admin sets after import, as solution environment variables:
 * nothing about the platform is compiled into the package.
 */

/** Schema names, as in environmentvariabledefinitions/ of the solution. */
export const VARIABLES = {
  pluginUrl: 'msb_PluginUrl',
  apiUrl: 'msb_PlatformApiUrl',
  entraApplicationId: 'msb_EntraApplicationId',
};

/** What the admin sees in the solution, to name a missing value in a message. */
const DISPLAY_NAMES = {
  pluginUrl: 'Marketing Sidebar plugin URL',
  apiUrl: 'Marketing Sidebar platform API URL',
  entraApplicationId: 'Marketing Sidebar Entra application ID',
};

/** The admin's setup is incomplete or wrong: the message says what to fix, for the user to pass on. */
export class SetupError extends Error {}

/** @typedef {{ pluginUrl: string, apiUrl: string, entraApplicationId: string }} Settings */

/**
 * An http(s) URL without credentials, query or fragment; http only for the local machine.
 * @param {string} value
 */
function isServiceUrl(value) {
  let url;
  try {
    url = new URL(value);
  } catch (_) {
    return false;
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  return (url.protocol === 'https:' || (url.protocol === 'http:' && local)) &&
    !url.username && !url.password && !url.search && !url.hash;
}

/**
 * The settings, each the environment variable's current value, or its default when the admin set
 * none. Throws SetupError naming what is missing or malformed.
 * @param {Xrm.XrmStatic} xrm
 * @returns {Promise<Settings>}
 */
export async function readSettings(xrm) {
  const names = Object.values(VARIABLES);
  const query = '?$select=schemaname,defaultvalue' +
    `&$filter=${names.map((name) => `schemaname eq '${name}'`).join(' or ')}` +
    '&$expand=environmentvariabledefinition_environmentvariablevalue($select=value)';
  const result = await xrm.WebApi.retrieveMultipleRecords('environmentvariabledefinition', query);
  /** @type {Record<string, string>} */
  const bySchema = {};
  for (const row of result.entities) {
    const values = row.environmentvariabledefinition_environmentvariablevalue || [];
    const current = values.length > 0 ? values[0].value : null;
    const value = typeof current === 'string' && current.trim() ? current : row.defaultvalue;
    if (typeof value === 'string' && value.trim()) bySchema[row.schemaname] = value.trim();
  }
  /** @type {Partial<Settings>} */
  const settings = {};
  const problems = [];
  for (const key of /** @type {(keyof Settings)[]} */ (Object.keys(VARIABLES))) {
    const value = bySchema[VARIABLES[key]];
    if (!value) problems.push(`${DISPLAY_NAMES[key]} is not set`);
    else if (key !== 'entraApplicationId' && !isServiceUrl(value)) problems.push(`${DISPLAY_NAMES[key]} is not an https URL`);
    else if (key === 'entraApplicationId' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
      problems.push(`${DISPLAY_NAMES[key]} is not an application (client) ID`);
    } else settings[key] = key === 'apiUrl' ? value.replace(/\/+$/, '') : value;
  }
  if (problems.length > 0) {
    throw new SetupError(`The marketing sidebar is not set up: ${problems.join('; ')}. Ask your Dynamics 365 administrator.`);
  }
  return /** @type {Settings} */ (settings);
}
