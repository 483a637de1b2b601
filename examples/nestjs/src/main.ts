// Starts the app on PORT (0: a free port) and prints `listening <url>`; SIGINT/SIGTERM close it
// (which runs onApplicationShutdown, closing the MongoClient).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
console.log(`listening ${await app.getUrl()}`);
