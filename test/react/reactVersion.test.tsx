import { render, screen } from '@testing-library/react';
import { useState, version } from 'react';
import { version as domVersion } from 'react-dom';
import { renderToString } from 'react-dom/server';
import { expect, test } from 'vitest';

// Each vitest project must run exactly one React: react19 the root copy, react18 the
// test/react18 copy for react, react-dom, react-dom/server and @testing-library/react alike.
test('one React instance per project, of the version the project names', ({ task }) => {
  const expected = task.file.projectName === 'react18' ? '18.' : '19.';
  expect(version.startsWith(expected)).toBe(true);
  expect(domVersion).toBe(version);
  function Hooked() {
    const [n] = useState(version);
    return <span>react {n}</span>;
  }
  // A second React copy anywhere in the chain fails hooks with "Invalid hook call".
  render(<Hooked />);
  expect(screen.getByText(`react ${version}`)).toBeTruthy();
  expect(renderToString(<Hooked />)).toBe(`<span>react <!-- -->${version}</span>`);
});
