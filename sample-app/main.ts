import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  console.log(
    `Sample blog on http://localhost:${port}/posts/caching-101 (cache: ${process.env.REDIS_URL ?? 'memory'})`,
  );
}

void bootstrap();
