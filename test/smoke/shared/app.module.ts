// Copied into both consumer projects by run.sh: the same app, once as ESM, once as CommonJS.
import { Injectable, Module } from '@nestjs/common';
import { CacheMemoize, CacheMemoizeModule } from 'nestjs-cache-memoize';

@Injectable()
export class PriceList {
  runs: string[] = [];

  @CacheMemoize('5m')
  async price(sku: string): Promise<number> {
    this.runs.push(sku);
    return sku.length * 100;
  }
}

@Module({ imports: [CacheMemoizeModule.forRoot()], providers: [PriceList] })
export class AppModule {}
