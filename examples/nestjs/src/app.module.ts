import { Module } from '@nestjs/common';
import { ItemsController } from './items.controller.js';
import { ItemsService } from './items.service.js';
import { MongoModule } from './mongo.module.js';

@Module({
  imports: [MongoModule],
  controllers: [ItemsController],
  providers: [ItemsService],
})
export class AppModule {}
