// The real server in its own process, from source, plus one query that is
// held until the parent says so (for shutdown tests). Talks to the parent
// over IPC: { port } once listening, 'held' when a held query arrives; the
// parent's 'release' lets the held queries answer.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/bootstrap';
import { Public } from '../../src/common/decorators/access.decorators';
import { loadConfig } from '../../src/config/app-config';

/** Tells the parent 'held', resolves on its 'release'. */
const holdUntilReleased = () =>
  new Promise<void>((resolve) => {
    const onMessage = (message: unknown) => {
      if (message !== 'release') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    process.send?.('held');
  });

@Resolver()
class HeldResolver {
  constructor(private readonly dataSource: DataSource) {}

  @Query(() => String, { description: 'Test only: tells the parent it is in flight, answers once the parent says "release".' })
  @Public()
  async held(): Promise<string> {
    await holdUntilReleased();
    return 'done';
  }

  @Query(() => String, { description: 'Test only: held like `held`, then reads the database and tells the parent how that went.' })
  @Public()
  async heldThenDatabase(): Promise<string> {
    await holdUntilReleased();
    try {
      await this.dataSource.query('SELECT 1');
      process.send?.({ database: 'ok' });
    } catch (error) {
      process.send?.({ database: String(error) });
    }
    return 'done';
  }
}

@Module({ providers: [HeldResolver] })
class HeldModule {}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp(config, { schemaFile: true, imports: [HeldModule] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.send?.({ port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
