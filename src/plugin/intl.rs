//! Dates and times in the user's locale and time zone (from the host's context), through the
//! browser's `Intl`: the plugin ships no time zone database.

use std::rc::Rc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use gloo_timers::callback::Interval;
use js_sys::{Array, Date, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::domain::text;
use crate::domain::time::{day_label, relative, DayLabel, LocalDate};
use crate::plugin::browser::clock;

/// The formatters of one locale and time zone. Build once per context (they are not cheap) and
/// share through [`FormatsProvider`] / [`use_formats`].
pub struct Formats {
    locale: String,
    time_zone: String,
    /// The IANA zone the formatters use, as the browser names it (canonical case and name; the
    /// browser's own zone when the host's was rejected).
    resolved_zone: String,
    /// `en-US` numeric year/month/day and 24-hour time in the user's zone: parsed, never shown.
    day_key: JsValue,
    time_of_day: JsValue,
    date_time: JsValue,
    day_this_year: JsValue,
    day_other_year: JsValue,
    /// Relative times with the locale's words for one unit ("yesterday", "now").
    relative: JsValue,
    /// Relative times always counted ("1 month ago"), for units whose words would name a
    /// calendar period the time is not in ([`crate::domain::time::RelativeUnit::words_fit`]).
    relative_counted: JsValue,
    /// Whole numbers with the locale's grouping ("10,000", "10.000"): made on first need, as
    /// making one costs the first paint several milliseconds.
    number: std::cell::OnceCell<JsValue>,
    /// The locale writes digits 0-9 (`latn`), so a number under 1,000 needs no formatter.
    latin_digits: bool,
}

impl PartialEq for Formats {
    fn eq(&self, other: &Self) -> bool {
        self.locale == other.locale && self.time_zone == other.time_zone
    }
}

impl Formats {
    /// Formats for a BCP 47 `locale` and IANA `time_zone`. Either one the browser rejects falls
    /// back to the browser's own, so bad context data degrades instead of breaking the view.
    pub fn new(locale: &str, time_zone: &str) -> Formats {
        let locale = if construct("DateTimeFormat", Some(locale), &[]).is_some() {
            locale.to_owned()
        } else {
            String::new()
        };
        let zone = if construct("DateTimeFormat", None, &[("timeZone", time_zone)]).is_some() {
            time_zone.to_owned()
        } else {
            String::new()
        };
        let local = |fields: &[(&str, &str)]| {
            let mut options = fields.to_vec();
            if !zone.is_empty() {
                options.push(("timeZone", zone.as_str()));
            }
            construct("DateTimeFormat", Some(&locale), &options).unwrap_or(JsValue::UNDEFINED)
        };
        let day_key = {
            let mut options = vec![
                ("year", "numeric"),
                ("month", "numeric"),
                ("day", "numeric"),
                ("hour", "numeric"),
                ("minute", "numeric"),
                ("second", "numeric"),
                ("hourCycle", "h23"),
            ];
            if !zone.is_empty() {
                options.push(("timeZone", zone.as_str()));
            }
            construct("DateTimeFormat", Some("en-US"), &options).unwrap_or(JsValue::UNDEFINED)
        };
        // Days are formatted from their noon UTC, in UTC.
        let day = |fields: &[(&str, &str)]| {
            let mut options = fields.to_vec();
            options.push(("timeZone", "UTC"));
            construct("DateTimeFormat", Some(&locale), &options).unwrap_or(JsValue::UNDEFINED)
        };
        let resolved_zone =
            resolved_option(&day_key, "timeZone").unwrap_or_else(|| "UTC".to_owned());
        let time_of_day = local(&[("hour", "numeric"), ("minute", "2-digit")]);
        let latin_digits =
            resolved_option(&time_of_day, "numberingSystem").as_deref() == Some("latn");
        Formats {
            resolved_zone,
            day_key,
            time_of_day,
            date_time: local(&[("dateStyle", "medium"), ("timeStyle", "short")]),
            day_this_year: day(&[("weekday", "short"), ("day", "numeric"), ("month", "short")]),
            day_other_year: day(&[
                ("weekday", "short"),
                ("day", "numeric"),
                ("month", "short"),
                ("year", "numeric"),
            ]),
            relative: construct(
                "RelativeTimeFormat",
                Some(&locale),
                &[("numeric", "auto"), ("style", "short")],
            )
            .unwrap_or(JsValue::UNDEFINED),
            relative_counted: construct(
                "RelativeTimeFormat",
                Some(&locale),
                &[("numeric", "always"), ("style", "short")],
            )
            .unwrap_or(JsValue::UNDEFINED),
            number: std::cell::OnceCell::new(),
            latin_digits,
            locale,
            time_zone: zone,
        }
    }

    /// A count as the user's locale writes it: "10,000", "10.000".
    pub fn count(&self, n: u64) -> String {
        self.number(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// A whole number as the user's locale writes it: "10,000", "10.000", "-5".
    pub fn number(&self, n: i64) -> String {
        if self.latin_digits && n.unsigned_abs() < 1000 {
            return n.to_string();
        }
        let number = self.number.get_or_init(|| {
            construct("NumberFormat", Some(&self.locale), &[]).unwrap_or(JsValue::UNDEFINED)
        });
        Reflect::get(number, &"format".into())
            .ok()
            .and_then(|format| format.dyn_into::<Function>().ok())
            .and_then(|format| {
                format
                    .call1(&JsValue::UNDEFINED, &JsValue::from_f64(n as f64))
                    .ok()
            })
            .and_then(|text| text.as_string())
            .unwrap_or_else(|| n.to_string())
    }

    /// The time zone's name for the user: the host's, unless the browser rejected it or only
    /// spells it in another case (`Asia/Kolkata` stays, though browsers resolve it to
    /// `Asia/Calcutta`; `europe/london` reads `Europe/London`).
    pub fn zone_name(&self) -> &str {
        if self.time_zone.is_empty() || self.time_zone.eq_ignore_ascii_case(&self.resolved_zone) {
            &self.resolved_zone
        } else {
            &self.time_zone
        }
    }

    /// The IANA time zone the dates are shown in, spelled as the browser resolved it: what the
    /// API is told, so its days are the ones shown (`Europe/London` for `europe/london`).
    pub fn resolved_time_zone(&self) -> &str {
        &self.resolved_zone
    }

    /// The day `at` falls on in the user's time zone. Pages come 50 activities at a time, so
    /// asking `Intl` for each is cheap enough not to cache.
    pub fn local_date(&self, at: &DateTime<Utc>) -> LocalDate {
        self.compute_local_date(at).unwrap_or_else(|| {
            let utc = at.date_naive();
            LocalDate::new(
                chrono::Datelike::year(&utc),
                chrono::Datelike::month(&utc),
                chrono::Datelike::day(&utc),
            )
            .expect("a real date")
        })
    }

    fn compute_local_date(&self, at: &DateTime<Utc>) -> Option<LocalDate> {
        let wall = self.wall_clock(at)?;
        LocalDate::new(wall.year(), wall.month(), wall.day())
    }

    /// The wall-clock time `at` shows in the user's time zone.
    pub fn wall_clock(&self, at: &DateTime<Utc>) -> Option<NaiveDateTime> {
        let format_to_parts: Function = Reflect::get(&self.day_key, &"formatToParts".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let parts: Array = format_to_parts
            .call1(&self.day_key, &js_date(at))
            .ok()?
            .dyn_into()
            .ok()?;
        let mut fields = [None::<u32>; 6];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
            let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            fields[slot] = value.parse().ok();
        }
        let [year, month, day, hour, minute, second] = fields;
        NaiveDate::from_ymd_opt(year? as i32, month?, day?)?.and_hms_opt(hour?, minute?, second?)
    }

    /// The instant a wall-clock time in the user's time zone names. A time skipped by a DST
    /// change resolves to the instant after the gap; a repeated one to its first occurrence.
    pub fn utc_of_local(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let offset_at = |at: DateTime<Utc>| Some(self.wall_clock(&at)? - at.naive_utc());
        let guess = local.and_utc();
        // The zone's offsets a day before, at and a day after the guess: across a change of
        // offset the time matches twice (repeated hour) or never (skipped hour).
        let mut candidates = Vec::with_capacity(3);
        for probe in [guess - Duration::days(1), guess, guess + Duration::days(1)] {
            candidates.push(guess - offset_at(probe)?);
        }
        candidates.sort();
        let earliest_match = candidates
            .iter()
            .copied()
            .find(|at| self.wall_clock(at) == Some(local));
        earliest_match.or(candidates.last().copied())
    }

    /// Today in the user's time zone.
    pub fn today(&self) -> LocalDate {
        self.local_date(&clock::now())
    }

    /// "14:05" or "2:05 PM".
    pub fn time_of_day(&self, at: &DateTime<Utc>) -> String {
        format_date(&self.time_of_day, at)
    }

    /// "10 Mar 2026, 14:05", for tooltips.
    pub fn date_time(&self, at: &DateTime<Utc>) -> String {
        format_date(&self.date_time, at)
    }

    /// A day header: "Today", "Yesterday" (in the user's language: "Heute", "Aujourd’hui") or
    /// the date ("Tue, 10 Mar").
    pub fn day_header(&self, day: LocalDate, today: LocalDate) -> String {
        match day_label(day, today) {
            DayLabel::Today => self.named_day(0, "Today"),
            DayLabel::Yesterday => self.named_day(-1, "Yesterday"),
            DayLabel::Date { same_year: true } => format_date(&self.day_this_year, &day.noon_utc()),
            DayLabel::Date { same_year: false } => {
                format_date(&self.day_other_year, &day.noon_utc())
            }
        }
    }

    /// "3 hr. ago", "yesterday", "now".
    ///
    /// A time up to 5 minutes ahead of `now` is "now": the server's clock may run ahead of the
    /// browser's, and the minute clock lags by up to a minute, so "in 1 min." would only mean
    /// that something just happened.
    pub fn relative(&self, at: &DateTime<Utc>, now: &DateTime<Utc>) -> String {
        let now = if *at > *now && *at - *now <= Duration::minutes(5) {
            at
        } else {
            now
        };
        let relative = relative(*at, *now, self.local_date(at), self.local_date(now));
        let format = if relative.unit.words_fit() {
            &self.relative
        } else {
            &self.relative_counted
        };
        format_relative(format, relative.value as f64, relative.unit.as_str()).unwrap_or_default()
    }

    /// The locale's word for the day `offset` days from today ("today", "gestern"), with a
    /// capital first letter for a header; `fallback` where the browser has none.
    fn named_day(&self, offset: i32, fallback: &str) -> String {
        let Some(word) = format_relative(&self.relative, f64::from(offset), "day") else {
            return fallback.to_owned();
        };
        let mut chars = word.chars();
        match chars.next() {
            Some(first) => text::uppercase(first.encode_utf8(&mut [0; 4])) + chars.as_str(),
            None => fallback.to_owned(),
        }
    }
}

/// `Intl.RelativeTimeFormat#format(value, unit)` of `format` (one of [`Formats`]').
fn format_relative(format: &JsValue, value: f64, unit: &str) -> Option<String> {
    Reflect::get(format, &"format".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?
        .call2(format, &JsValue::from_f64(value), &unit.into())
        .ok()?
        .as_string()
        .filter(|text| !text.is_empty())
}

/// `new Intl[name](locale, options)`, or `None` when the browser throws (an unknown locale or
/// time zone). js-sys's own constructors would let the exception unwind through the wasm.
fn construct(name: &str, locale: Option<&str>, options: &[(&str, &str)]) -> Option<JsValue> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: Function = Reflect::get(&intl, &name.into()).ok()?.dyn_into().ok()?;
    let object = Object::new();
    for (key, value) in options {
        Reflect::set(&object, &(*key).into(), &(*value).into()).ok()?;
    }
    let locales = match locale {
        Some(locale) if !locale.is_empty() => JsValue::from(Array::of1(&locale.into())),
        _ => JsValue::UNDEFINED,
    };
    Reflect::construct(&constructor, &Array::of2(&locales, &object)).ok()
}

/// `formatter.resolvedOptions()[name]`, as text.
fn resolved_option(formatter: &JsValue, name: &str) -> Option<String> {
    Reflect::get(formatter, &"resolvedOptions".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call0(formatter).ok())
        .and_then(|options| Reflect::get(&options, &name.into()).ok())
        .and_then(|value| value.as_string())
}

fn js_date(at: &DateTime<Utc>) -> JsValue {
    Date::new(&JsValue::from_f64(at.timestamp_millis() as f64)).into()
}

fn format_date(formatter: &JsValue, at: &DateTime<Utc>) -> String {
    // `format` is a bound getter on Intl.DateTimeFormat.
    Reflect::get(formatter, &"format".into())
        .ok()
        .and_then(|format| format.dyn_into::<Function>().ok())
        .and_then(|format| format.call1(&JsValue::UNDEFINED, &js_date(at)).ok())
        .and_then(|text| text.as_string())
        .unwrap_or_else(|| at.to_rfc3339())
}

#[derive(Properties, PartialEq)]
pub struct FormatsProviderProps {
    pub locale: AttrValue,
    pub time_zone: AttrValue,
    #[prop_or_default]
    pub children: Html,
}

/// Provides [`Formats`] for a locale and time zone to its children.
#[component]
pub fn FormatsProvider(props: &FormatsProviderProps) -> Html {
    let formats = use_memo(
        (props.locale.clone(), props.time_zone.clone()),
        |(locale, zone)| Formats::new(locale, zone),
    );
    html! {
        <ContextProvider<Rc<Formats>> context={formats}>
            { props.children.clone() }
        </ContextProvider<Rc<Formats>>>
    }
}

/// The enclosing [`FormatsProvider`]'s formats; outside one (a component mounted on its own),
/// the browser's locale in UTC.
#[hook]
pub fn use_formats() -> Rc<Formats> {
    use_context::<Rc<Formats>>().unwrap_or_else(|| Rc::new(Formats::new("", "UTC")))
}

/// The current time, updated every minute so relative times ("3 min ago") stay true.
#[hook]
pub fn use_minute_clock() -> DateTime<Utc> {
    let now = use_state(clock::now);
    {
        let now = now.setter();
        use_effect_with((), move |_| {
            let tick = Interval::new(60_000, move || now.set(clock::now()));
            move || drop(tick)
        });
    }
    *now
}
