import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { RequireScope } from './route-access';
import { ApiKeyView, ApiKeysService } from './api-keys.service';

@Controller('v1/api-keys')
@RequireScope('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  create(@Body() body: unknown): Promise<{ id: string; key: string }> {
    return this.keys.create(body);
  }

  @Get()
  async list(): Promise<{ items: ApiKeyView[]; nextCursor: null }> {
    return { items: await this.keys.list(), nextCursor: null };
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(@Param('id') id: string): Promise<void> {
    return this.keys.revoke(id);
  }
}
