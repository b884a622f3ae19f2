import { Controller, Put, Res, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import request from 'supertest';
import { CacheInvalidate } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';

/** Whether the response had already gone out when the invalidations were computed, per route. */
const sentAtInvalidation = new Map<string, boolean>();

function noting(route: string) {
  return ({ args }: { args: unknown[] }): string[] => {
    sentAtInvalidation.set(route, (args.at(-1) as Response).headersSent);
    return ['posts'];
  };
}

@Controller('posts')
class PostsController {
  /** A file streamed by Nest: sent once the method resolved, so after the invalidations. */
  @Put('file')
  @CacheInvalidate({ tags: noting('file') })
  async file(@Res({ passthrough: true }) _res: Response): Promise<StreamableFile> {
    return new StreamableFile(Buffer.from('renamed'));
  }

  /** The handler sends the response itself, before it returns. */
  @Put('own')
  @CacheInvalidate({ tags: noting('own') })
  async own(@Res() res: Response): Promise<void> {
    res.json({ renamed: true });
  }
}

describe('@CacheInvalidate on routes whose response is not a returned value (Express)', () => {
  beforeEach(() => sentAtInvalidation.clear());

  it('invalidates before a StreamableFile is sent', async () => {
    const app = await createApp({ controllers: [PostsController] });
    try {
      const response = await request(app.getHttpServer()).put('/posts/file').expect(200);
      expect(String(response.body)).toBe('renamed');
      expect(sentAtInvalidation.get('file')).toBe(false);
    } finally {
      await app.close();
    }
  });

  // Known limit: a handler that writes its response with @Res() sends it before it returns,
  // so the client can read its answer before the invalidations took effect. Nothing the
  // library wraps runs between that write and the client; README says to return the value.
  it.failing('invalidates before a response written with @Res() is sent', async () => {
    const app = await createApp({ controllers: [PostsController] });
    try {
      await request(app.getHttpServer()).put('/posts/own').expect(200);
      expect(sentAtInvalidation.get('own')).toBe(false);
    } finally {
      await app.close();
    }
  });
});
