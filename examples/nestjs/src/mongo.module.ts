// Provides one MongoClient to the whole application through DI and closes it when Nest shuts down.
import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { MongoClient } from 'mongorx';
import { lastValueFrom } from 'rxjs';

/** DI token of the MongoClient (a class token would tie consumers to one instance's options). */
export const MONGO_CLIENT = Symbol('MONGO_CLIENT');

/** Closes the client on shutdown: `client.close()` is a cold Observable, so it must be subscribed. */
@Injectable()
export class MongoLifecycle implements OnApplicationShutdown {
  // Explicit @Inject on every constructor parameter: no reliance on emitted decorator metadata, so
  // the app also runs under esbuild-based runners (tsx), which do not emit it.
  constructor(@Inject(MONGO_CLIENT) private readonly client: MongoClient) {}

  async onApplicationShutdown(): Promise<void> {
    await lastValueFrom(this.client.close(), { defaultValue: undefined });
    console.log('mongo client closed');
  }
}

@Global()
@Module({
  providers: [
    {
      provide: MONGO_CLIENT,
      // Operations connect lazily; nothing is sent before the first subscription.
      useFactory: () => new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/'),
    },
    MongoLifecycle,
  ],
  exports: [MONGO_CLIENT],
})
export class MongoModule {}
