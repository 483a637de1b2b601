// The SSR server: Express serves the browser bundle and renders every other request with Angular.
// Listens on 127.0.0.1:PORT (0: a free one) and prints `listening <url>`; SIGINT/SIGTERM close the
// HTTP server and the MongoClient.

import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  AngularNodeAppEngine,
  createNodeRequestHandler,
  isMainModule,
  writeResponseToNodeResponse,
} from '@angular/ssr/node';
import express from 'express';
import { lastValueFrom } from 'rxjs';
import { closeMongoClient } from './app/items.server';

const browserDistFolder = join(import.meta.dirname, '../browser');
const app = express();
const angularApp = new AngularNodeAppEngine();

app.use(express.static(browserDistFolder, { maxAge: '1y', index: false, redirect: false }));
app.use((req, res, next) => {
  angularApp
    .handle(req)
    .then((response) => (response ? writeResponseToNodeResponse(response, res) : next()))
    .catch(next);
});

if (isMainModule(import.meta.url)) {
  const server = app.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(`listening http://127.0.0.1:${port}`);
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    const closing = closeMongoClient();
    void (closing ? lastValueFrom(closing, { defaultValue: undefined }) : Promise.resolve()).then(() => {
      console.log('mongo client closed');
      // Angular's engine keeps handles of its own; everything of ours is released by now.
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** The request handler the Angular CLI uses (dev server, build). */
export const reqHandler = createNodeRequestHandler(app);
