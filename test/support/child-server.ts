// The real server in its own process, from source, plus one slow query for
// shutdown tests. Reports its port to the parent over IPC.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../../src/bootstrap';
import { Public } from '../../src/common/decorators/access.decorators';
import { loadConfig } from '../../src/config/app-config';

@Resolver()
class SlowResolver {
  @Query(() => String, { description: 'Test only: answers after `ms` milliseconds.' })
  @Public()
  async slow(@Args('ms', { type: () => Int }) ms: number): Promise<string> {
    await sleep(ms);
    return 'done';
  }
}

@Module({ providers: [SlowResolver] })
class SlowModule {}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp(config, { schemaFile: true, imports: [SlowModule] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.send?.({ port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
