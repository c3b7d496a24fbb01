// The county office's dashboard: one GraphQL request per range change, through the public API, with the
// key the user pasted (kept in sessionStorage only). No personal data is asked for.
(function () {
  'use strict';

  var KEY_STORAGE = 'gaodu.dashboard.key';
  var LANG_STORAGE = 'gaodu.dashboard.lang';
  var MAX_DAYS = 366;

  /** The one document the page sends: fixed, within the default cost (1000) and depth (10) limits. */
  var QUERY = [
    'query CountyDashboard($from: LocalDate!, $to: LocalDate!) {',
    '  dashboard(from: $from, to: $to) {',
    '    from to sales { amount } ordersPlaced ordersDispatched parcelsDispatched unitsDispatched unitsReturned',
    '    stockValue { amount }',
    '    daily { date sales { amount } ordersPlaced ordersDispatched parcels }',
    '    monthly { month sales { amount } ordersDispatched parcels }',
    '    byCarrier { carrier { code name } parcels ordersDispatched }',
    '    byMerchantVillage { village sales { amount } merchants }',
    '    byFarm(limit: 10) { farm { code name county } sales { amount } units }',
    '    topSkus(limit: 10) { sku { code name localName } sales { amount } units }',
    '    lowStock(limit: 20) { sku { code name localName } available onHand }',
    '    expiringLots(withinDays: 7, limit: 20) { code expiresOn quantityOnHand sku { code name localName } farm { name } }',
    '  }',
    '}',
  ].join('\n');

  var TEXT = {
    zh: {
      title: '高都配送中心数据看板',
      switchLanguage: 'English',
      signOut: '更换密钥',
      keyLabel: 'API 密钥（OFFICIAL 或 ADMIN）',
      enter: '进入',
      keyHint: '密钥只保存在本浏览器标签页中，关闭后需重新输入。',
      preset7: '近 7 天',
      preset30: '近 30 天',
      presetMonth: '本月',
      presetYear: '本年',
      from: '从',
      to: '至',
      apply: '查询',
      salesPerDay: '每日销售额',
      ordersPerDay: '每日订单与包裹',
      salesByMonth: '月度销售额',
      parcelsByCarrier: '各快递包裹数',
      salesByVillage: '各村商户销售额',
      topFarms: '销售额前十农场',
      topSkus: '销售额前十商品',
      lowStock: '低库存商品',
      expiring: '7 天内到期批次',
      download: '下载 CSV',
      sales: '销售额',
      ordersPlaced: '下单数',
      ordersDispatched: '发货订单',
      parcels: '包裹',
      units: '发货件数',
      unitsReturned: '退货件数',
      stockValue: '库存价值',
      month: '月份',
      date: '日期',
      carrier: '快递',
      village: '村',
      merchants: '商户',
      farm: '农场',
      county: '县',
      sku: '商品',
      available: '可售',
      onHand: '在库',
      lot: '批次',
      expiresOn: '到期日',
      quantity: '数量',
      none: '暂无数据',
      loading: '正在加载…',
      updated: '数据范围 {from} 至 {to}，更新于 {at}',
      wrongKey: '密钥无效或已被撤销，请重新输入。',
      noKey: '请输入 API 密钥。',
      forbidden: '此密钥无权查看看板：需要 OFFICIAL（县政府办公室）或 ADMIN 密钥。',
      tooLong: '所选范围共 {days} 天，最多可查询 366 天，请缩短范围。',
      badRange: '开始日期不能晚于结束日期。',
      rateLimited: '请求过于频繁，请在 {seconds} 秒后重试。',
      network: '无法连接服务器，请检查网络后重试。',
      failed: '查询失败：{message}',
      downloadFailed: '下载失败：{message}',
    },
    en: {
      title: 'Gaodu distribution centre dashboard',
      switchLanguage: '中文',
      signOut: 'Change key',
      keyLabel: 'API key (OFFICIAL or ADMIN)',
      enter: 'Open',
      keyHint: 'The key is kept in this browser tab only; you enter it again after closing it.',
      preset7: 'Last 7 days',
      preset30: 'Last 30 days',
      presetMonth: 'This month',
      presetYear: 'This year',
      from: 'From',
      to: 'to',
      apply: 'Show',
      salesPerDay: 'Sales per day',
      ordersPerDay: 'Orders and parcels per day',
      salesByMonth: 'Sales by month',
      parcelsByCarrier: 'Parcels by carrier',
      salesByVillage: 'Sales by merchant village',
      topFarms: 'Top 10 farms by sales',
      topSkus: 'Top 10 SKUs by sales',
      lowStock: 'Low stock',
      expiring: 'Lots expiring within 7 days',
      download: 'Download CSV',
      sales: 'Sales',
      ordersPlaced: 'Orders placed',
      ordersDispatched: 'Orders dispatched',
      parcels: 'Parcels',
      units: 'Units dispatched',
      unitsReturned: 'Units returned',
      stockValue: 'Stock value',
      month: 'Month',
      date: 'Date',
      carrier: 'Carrier',
      village: 'Village',
      merchants: 'Merchants',
      farm: 'Farm',
      county: 'County',
      sku: 'SKU',
      available: 'Available',
      onHand: 'On hand',
      lot: 'Lot',
      expiresOn: 'Expires',
      quantity: 'Units',
      none: 'No data',
      loading: 'Loading…',
      updated: 'Range {from} to {to}, updated {at}',
      wrongKey: 'The key is unknown or revoked. Please enter it again.',
      noKey: 'Please enter an API key.',
      forbidden: 'This key may not see the dashboard: it needs an OFFICIAL (county office) or ADMIN key.',
      tooLong: 'The range is {days} days long; at most 366 days can be shown. Please shorten it.',
      badRange: 'The start date must not be after the end date.',
      rateLimited: 'Too many requests: please try again in {seconds} s.',
      network: 'The server cannot be reached. Check the network and try again.',
      failed: 'The dashboard could not be read: {message}',
      downloadFailed: 'The download failed: {message}',
    },
  };

  var $ = function (id) {
    return document.getElementById(id);
  };
  var lang = sessionStorage.getItem(LANG_STORAGE) === 'en' ? 'en' : 'zh';
  var last = null;
  var charts = [];
  var range = null;

  function t(name, values) {
    var text = TEXT[lang][name] || name;
    return text.replace(/\{(\w+)\}/g, function (_, key) {
      return values && values[key] !== undefined ? values[key] : '';
    });
  }

  // ---- formatting for zh-CN (also under English: the figures are the county's)
  var integer = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 });
  function count(n) {
    return integer.format(n);
  }
  /** A Decimal string of yuan, exactly (no float): "1234567.80" -> "¥1,234,567.80". */
  function money(amount) {
    var negative = amount.charAt(0) === '-';
    var parts = amount.replace('-', '').split('.');
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (negative ? '-' : '') + '¥' + whole + '.' + ((parts[1] || '') + '00').slice(0, 2);
  }

  // ---- dates, as Asia/Shanghai days
  function today() {
    return new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(new Date());
  }
  function addDays(day, n) {
    var d = new Date(day + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }
  function daysBetween(from, to) {
    return Math.round((Date.parse(to + 'T00:00:00Z') - Date.parse(from + 'T00:00:00Z')) / 86400000) + 1;
  }
  function preset(name) {
    var end = today();
    if (name === 'month') return { from: end.slice(0, 8) + '01', to: end };
    if (name === 'year') return { from: end.slice(0, 5) + '01-01', to: end };
    return { from: addDays(end, -(Number(name) - 1)), to: end };
  }

  // ---- messages and language
  function showMessage(text) {
    var box = $('message');
    box.textContent = text || '';
    box.hidden = !text;
  }
  function applyLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    var labelled = document.querySelectorAll('[data-t]');
    for (var i = 0; i < labelled.length; i++) labelled[i].textContent = t(labelled[i].getAttribute('data-t'));
    if (last) render(last);
  }

  // ---- the request
  function key() {
    return sessionStorage.getItem(KEY_STORAGE);
  }
  function errorText(error, response) {
    var code = error && error.extensions && error.extensions.code;
    if (code === 'UNAUTHENTICATED') return { text: t('wrongKey'), signOut: true };
    if (code === 'FORBIDDEN') return { text: t('forbidden'), signOut: true };
    if (code === 'RATE_LIMITED') {
      var seconds =
        (error.extensions && error.extensions.retryAfterSeconds) || response.headers.get('retry-after');
      return { text: t('rateLimited', { seconds: seconds || 1 }) };
    }
    if (code === 'BAD_USER_INPUT' && /at most 366/.test(error.message)) {
      return { text: t('tooLong', { days: daysBetween(range.from, range.to) }) };
    }
    return { text: t('failed', { message: (error && error.message) || 'HTTP ' + response.status }) };
  }
  function signOut() {
    sessionStorage.removeItem(KEY_STORAGE);
    last = null;
    $('board').hidden = true;
    $('signout').hidden = true;
    $('login').hidden = false;
    $('key').value = '';
  }
  function load() {
    if (range.from > range.to) return showMessage(t('badRange'));
    var days = daysBetween(range.from, range.to);
    if (days > MAX_DAYS) return showMessage(t('tooLong', { days: days }));
    showMessage('');
    $('updated').textContent = t('loading');
    return fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + key() },
      body: JSON.stringify({ query: QUERY, variables: { from: range.from, to: range.to } }),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            if (body.errors || !body.data) {
              var problem = errorText(body.errors && body.errors[0], response);
              if (problem.signOut) signOut();
              showMessage(problem.text);
              $('updated').textContent = '';
              return;
            }
            last = body.data.dashboard;
            last.loadedAt = new Date();
            $('login').hidden = true;
            $('board').hidden = false;
            $('signout').hidden = false;
            render(last);
          });
      })
      .catch(function () {
        showMessage(t('network'));
        $('updated').textContent = '';
      });
  }

  // ---- drawing
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function figures(d) {
    var box = $('figures');
    box.textContent = '';
    var items = [
      ['sales', money(d.sales.amount)],
      ['ordersPlaced', count(d.ordersPlaced)],
      ['ordersDispatched', count(d.ordersDispatched)],
      ['parcels', count(d.parcelsDispatched)],
      ['units', count(d.unitsDispatched)],
    ];
    if (d.unitsReturned !== undefined) items.push(['unitsReturned', count(d.unitsReturned)]);
    items.push(['stockValue', money(d.stockValue.amount)]);
    items.forEach(function (item) {
      var card = el('div', 'figure');
      card.setAttribute('data-figure', item[0]);
      card.appendChild(el('div', 'label', t(item[0])));
      card.appendChild(el('div', 'value', item[1]));
      box.appendChild(card);
    });
  }
  /** A table whose last numeric column is also drawn as a bar. */
  function table(id, headers, rows, barOf) {
    var node = $(id);
    node.textContent = '';
    if (rows.length === 0) {
      var empty = node.insertRow();
      var cell = empty.insertCell();
      cell.className = 'empty';
      cell.textContent = t('none');
      return;
    }
    var head = node.createTHead().insertRow();
    headers.forEach(function (h) {
      var th = el('th', h.num ? 'num' : '', t(h.name));
      head.appendChild(th);
    });
    if (barOf) head.appendChild(el('th'));
    var body = node.createTBody();
    var max = 0;
    rows.forEach(function (r) {
      if (barOf) max = Math.max(max, barOf(r));
    });
    rows.forEach(function (r) {
      var tr = body.insertRow();
      headers.forEach(function (h) {
        var td = tr.insertCell();
        td.className = h.num ? 'num' : '';
        td.textContent = h.value(r);
      });
      if (barOf) {
        var bar = el('div', 'barfill');
        bar.style.width = (max > 0 ? (100 * barOf(r)) / max : 0) + '%';
        var td = tr.insertCell();
        td.className = 'barcell';
        td.appendChild(bar);
      }
    });
  }
  function skuName(sku) {
    return lang === 'zh' && sku.localName ? sku.localName + '（' + sku.code + '）' : sku.name;
  }
  function lineChart(id, d, series) {
    var node = $(id);
    node.textContent = '';
    var xs = d.daily.map(function (r) {
      return Date.parse(r.date + 'T00:00:00+08:00') / 1000;
    });
    var data = [xs].concat(
      series.map(function (s) {
        return d.daily.map(s.value);
      }),
    );
    var opts = {
      width: Math.max(280, node.clientWidth),
      height: 240,
      tzDate: function (ts) {
        return uPlot.tzDate(new Date(ts * 1000), 'Asia/Shanghai');
      },
      legend: { show: true },
      scales: { x: { time: true } },
      axes: [
        {},
        {
          size: 70,
          values: function (_u, ticks) {
            return ticks.map(function (v) {
              return series[0].money ? '¥' + count(v) : count(v);
            });
          },
        },
      ],
      series: [{ label: t('date') }].concat(
        series.map(function (s) {
          return {
            label: t(s.label),
            stroke: s.color,
            width: 2,
            fill: series.length === 1 ? s.color + '22' : undefined,
            value: function (_u, v) {
              return v === null || v === undefined ? '' : s.money ? money(v.toFixed(2)) : count(v);
            },
          };
        }),
      ),
    };
    charts.push({ chart: new uPlot(opts, data, node), node: node });
  }
  function render(d) {
    charts.forEach(function (c) {
      c.chart.destroy();
    });
    charts = [];
    figures(d);
    lineChart('chart-sales', d, [
      {
        label: 'sales',
        color: '#c0392b',
        money: true,
        value: function (r) {
          return Number(r.sales.amount);
        },
      },
    ]);
    lineChart('chart-orders', d, [
      { label: 'ordersPlaced', color: '#2f6f9f', value: (r) => r.ordersPlaced },
      { label: 'ordersDispatched', color: '#3c8d5a', value: (r) => r.ordersDispatched },
      { label: 'parcels', color: '#d68910', value: (r) => r.parcels },
    ]);
    var sales = function (r) {
      return Number(r.sales.amount);
    };
    table(
      't-monthly',
      [
        { name: 'month', value: (r) => r.month },
        { name: 'sales', num: true, value: (r) => money(r.sales.amount) },
        { name: 'parcels', num: true, value: (r) => count(r.parcels) },
      ],
      d.monthly,
      sales,
    );
    table(
      't-carriers',
      [
        { name: 'carrier', value: (r) => r.carrier.name },
        { name: 'parcels', num: true, value: (r) => count(r.parcels) },
      ],
      d.byCarrier,
      (r) => r.parcels,
    );
    table(
      't-villages',
      [
        { name: 'village', value: (r) => r.village },
        { name: 'merchants', num: true, value: (r) => count(r.merchants) },
        { name: 'sales', num: true, value: (r) => money(r.sales.amount) },
      ],
      d.byMerchantVillage,
      sales,
    );
    table(
      't-farms',
      [
        { name: 'farm', value: (r) => r.farm.name },
        { name: 'county', value: (r) => r.farm.county },
        { name: 'sales', num: true, value: (r) => money(r.sales.amount) },
      ],
      d.byFarm,
      sales,
    );
    table(
      't-skus',
      [
        { name: 'sku', value: (r) => skuName(r.sku) },
        { name: 'units', num: true, value: (r) => count(r.units) },
        { name: 'sales', num: true, value: (r) => money(r.sales.amount) },
      ],
      d.topSkus,
      sales,
    );
    table(
      't-low',
      [
        { name: 'sku', value: (r) => skuName(r.sku) },
        { name: 'available', num: true, value: (r) => count(r.available) },
        { name: 'onHand', num: true, value: (r) => count(r.onHand) },
      ],
      d.lowStock,
    );
    table(
      't-expiring',
      [
        { name: 'lot', value: (r) => r.code },
        { name: 'sku', value: (r) => skuName(r.sku) },
        { name: 'farm', value: (r) => r.farm.name },
        { name: 'expiresOn', value: (r) => r.expiresOn },
        { name: 'quantity', num: true, value: (r) => count(r.quantityOnHand) },
      ],
      d.expiringLots,
    );
    $('updated').textContent = t('updated', {
      from: d.from,
      to: d.to,
      at: d.loadedAt.toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai' }),
    });
  }

  // ---- downloads: the exports take the key in the Authorization header, so they are fetched here
  function download(section) {
    var query = new URLSearchParams({ from: range.from, to: range.to, section: section, lang: lang });
    fetch('/export/dashboard.csv?' + query, { headers: { authorization: 'Bearer ' + key() } })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(function (body) {
            var problem = errorText(body.errors && body.errors[0], response);
            showMessage(problem.text);
          });
        }
        return response.blob().then(function (blob) {
          var link = document.createElement('a');
          link.href = URL.createObjectURL(blob);
          link.download = 'dashboard-' + section + '-' + range.from + '-' + range.to + '.csv';
          document.body.appendChild(link);
          link.click();
          link.remove();
          setTimeout(function () {
            URL.revokeObjectURL(link.href);
          }, 10000);
        });
      })
      .catch(function (error) {
        showMessage(t('downloadFailed', { message: error.message }));
      });
  }

  // ---- wiring
  function setRange(next) {
    range = next;
    $('from').value = range.from;
    $('to').value = range.to;
  }
  $('login').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = $('key').value.trim();
    if (!value) return showMessage(t('noKey'));
    sessionStorage.setItem(KEY_STORAGE, value);
    load();
  });
  $('range').addEventListener('submit', function (event) {
    event.preventDefault();
    setRange({ from: $('from').value, to: $('to').value });
    load();
  });
  var presets = document.querySelectorAll('[data-preset]');
  for (var i = 0; i < presets.length; i++) {
    presets[i].addEventListener('click', function (event) {
      setRange(preset(event.currentTarget.getAttribute('data-preset')));
      load();
    });
  }
  var downloads = document.querySelectorAll('.download');
  for (var j = 0; j < downloads.length; j++) {
    downloads[j].addEventListener('click', function (event) {
      download(event.currentTarget.getAttribute('data-section'));
    });
  }
  $('lang').addEventListener('click', function () {
    lang = lang === 'zh' ? 'en' : 'zh';
    sessionStorage.setItem(LANG_STORAGE, lang);
    applyLanguage();
  });
  $('signout').addEventListener('click', function () {
    signOut();
    showMessage('');
  });
  var resizing = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      charts.forEach(function (c) {
        c.chart.setSize({ width: Math.max(280, c.node.clientWidth), height: 240 });
      });
    }, 150);
  });

  setRange(preset('30'));
  applyLanguage();
  if (key()) load();
})();
