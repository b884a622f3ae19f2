import 'reflect-metadata';
import { createServer } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

/** Whether `port` can be listened on, as Nest will (every interface). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}

async function bootstrap(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  // A busy port is the usual first-run stumble: say what to do in one line, before Nest logs a stack of its own.
  if (!(await isFree(port))) {
    console.error(`Port ${port} is already in use: start on another one with PORT=${port + 1} npm start`);
    process.exit(1);
  }
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  await app.listen(port);
  console.log(
    `Sample blog on http://localhost:${port}/ (cache: ${process.env.REDIS_URL ? 'redis' : 'memory'}): open it for the routes and curl commands`,
  );
}

void bootstrap();
