import { type ApplicationConfig, mergeApplicationConfig } from '@angular/core';
import { provideServerRendering, RenderMode, withRoutes } from '@angular/ssr';
import { appConfig } from './app.config';
import { ItemsSource } from './items';
import { MongoItems } from './items.server';

const serverConfig: ApplicationConfig = {
  providers: [
    // Rendered per request (not prerendered at build time: the data lives in the database).
    provideServerRendering(withRoutes([{ path: '**', renderMode: RenderMode.Server }])),
    { provide: ItemsSource, useClass: MongoItems },
  ],
};

export const config = mergeApplicationConfig(appConfig, serverConfig);
