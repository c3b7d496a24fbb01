// GraphiQL against this gateway. The schema comes from /graphiql/schema.json (the server's own schema,
// the one schema/schema.graphql is emitted from), so GraphiQL sends no introspection query and works
// within any MAX_QUERY_DEPTH, and in production where introspection is off.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var defaultQuery = [
    '# Your API key goes in the Headers tab below, after "Bearer ".',
    '# GraphiQL does not store headers: the key stays in this tab.',
    '{',
    '  me {',
    '    role',
    '    label',
    '  }',
    '}',
    '',
  ].join('\n');
  fetch('/graphiql/schema.json')
    .then(function (response) {
      if (!response.ok) throw new Error('schema: HTTP ' + response.status);
      return response.json();
    })
    .then(function (introspection) {
      var fetcher = window.GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });
      var element = window.React.createElement(window.GraphiQL, {
        fetcher: fetcher,
        schema: introspection,
        defaultQuery: defaultQuery,
        defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
        shouldPersistHeaders: false,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: 'headers',
      });
      window.ReactDOM.createRoot(root).render(element);
    })
    .catch(function (error) {
      root.textContent = 'GraphiQL could not start: ' + error.message;
    });
})();
