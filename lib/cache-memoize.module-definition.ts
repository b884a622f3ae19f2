import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CacheMemoizeModuleOptions } from './interfaces/module-options.interface.js';

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<Omit<CacheMemoizeModuleOptions, 'isGlobal'>>()
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createCacheMemoizeOptions')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
