// @ts-check
/*
 * The signed-in Dynamics user as the sidebar's context names them: id, name, locale, time zone.
 */
import { normalId } from './records.js';

/*
 * Dynamics gives the user's language as a Windows language id (LCID). These are the languages a
 * Dynamics 365 org can be provisioned with; any other falls back to the browser's language.
 */
/** @type {Record<number, string>} */
const LOCALE_OF_LCID = {
  1025: 'ar-SA', 1026: 'bg-BG', 1027: 'ca-ES', 1028: 'zh-TW', 1029: 'cs-CZ', 1030: 'da-DK', 1031: 'de-DE',
  1032: 'el-GR', 1033: 'en-US', 1035: 'fi-FI', 1036: 'fr-FR', 1037: 'he-IL', 1038: 'hu-HU', 1040: 'it-IT',
  1041: 'ja-JP', 1042: 'ko-KR', 1043: 'nl-NL', 1044: 'nb-NO', 1045: 'pl-PL', 1046: 'pt-BR', 1048: 'ro-RO',
  1049: 'ru-RU', 1050: 'hr-HR', 1051: 'sk-SK', 1053: 'sv-SE', 1054: 'th-TH', 1055: 'tr-TR', 1057: 'id-ID',
  1058: 'uk-UA', 1060: 'sl-SI', 1061: 'et-EE', 1062: 'lv-LV', 1063: 'lt-LT', 1066: 'vi-VN', 1069: 'eu-ES',
  1081: 'hi-IN', 1086: 'ms-MY', 1087: 'kk-KZ', 1110: 'gl-ES', 2052: 'zh-CN', 2057: 'en-GB', 2070: 'pt-PT',
  2074: 'sr-Latn-RS', 3076: 'zh-HK', 3082: 'es-ES', 3098: 'sr-Cyrl-RS',
};

/** @param {number} languageId @param {string} [fallback] */
export function localeOfLanguageId(languageId, fallback = 'en-US') {
  return LOCALE_OF_LCID[languageId] || fallback;
}

/**
 * The browser's IANA time zone. Dynamics' client API gives the user's zone only as a UTC offset
 * (getTimeZoneOffsetMinutes), which cannot say when daylight saving starts: the sidebar's
 * schedules and day headers need a named zone, and the browser's is the user's in practice.
 */
export function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * @param {Xrm.GlobalContext} globalContext
 * @param {string} [browserLanguage] navigator.language, for a language id not in the table
 * @returns {{ id: string, name: string, locale: string, timeZone: string }}
 */
export function userFromSettings(globalContext, browserLanguage) {
  const settings = globalContext.userSettings;
  const id = normalId(settings.userId) || settings.userId;
  return {
    id,
    name: settings.userName || id,
    locale: localeOfLanguageId(settings.languageId, browserLanguage || 'en-US'),
    timeZone: browserTimeZone(),
  };
}
