// The plugin's first job written by hand, the yardstick of benches/first_row.rs: read the token and
// record from the fragment, fetch the first activity page, render it grouped by day with times in
// the user's locale and zone. `page:first-row` is marked as the plugin's `sidebar:first-row` is:
// in a requestAnimationFrame after the DOM change, so both mean "rows painted".
(function () {
  'use strict';
  performance.mark('page:context');
  var hash = new URLSearchParams(location.hash.slice(1));
  // Out of the address bar and the history at once: the token only stays in memory.
  history.replaceState(null, '', location.pathname);
  var token = hash.get('token');
  var api = hash.get('api');
  var entity = hash.get('entity');
  var id = hash.get('id');
  var locale = hash.get('locale');
  var zone = hash.get('zone');

  var request = fetch(
    api + '/v1/records/' + encodeURIComponent(entity) + '/' + encodeURIComponent(id) + '/activities?limit=50',
    // From another origin than the API's, so the browser asks a CORS preflight first (cached
    // for an hour after the first); the plugin, on the API's origin, asks none.
    { headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' } }
  );
  performance.mark('page:request');

  // Once per locale and zone, as formatters are not cheap to make.
  var dayKey = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  var dayLabel = new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: 'long', month: 'long', day: 'numeric' });
  var timeOfDay = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: 'numeric', minute: '2-digit' });

  request
    .then(function (response) {
      performance.mark('page:response');
      return response.json();
    })
    .then(function (page) {
      performance.mark('page:decoded');
      var main = document.querySelector('main');
      var list = null;
      var lastDay = null;
      page.items.forEach(function (activity) {
        var at = new Date(activity.occurredAt);
        var day = dayKey.format(at);
        if (day !== lastDay) {
          lastDay = day;
          var header = document.createElement('h2');
          header.textContent = dayLabel.format(at);
          main.appendChild(header);
          list = document.createElement('ul');
          main.appendChild(list);
        }
        var row = document.createElement('li');
        row.className = 'activity-row';
        var time = document.createElement('time');
        time.dateTime = activity.occurredAt;
        time.textContent = timeOfDay.format(at);
        row.appendChild(time);
        row.appendChild(document.createTextNode(activity.kind + ' \u00b7 ' + (activity.subject || '')));
        list.appendChild(row);
      });
      performance.mark('page:rendered');
      requestAnimationFrame(function () {
        performance.mark('page:first-row');
      });
    })
    .catch(function (error) {
      performance.mark('page:failed');
      document.body.textContent = 'Failed: ' + error.message;
    });
})();
