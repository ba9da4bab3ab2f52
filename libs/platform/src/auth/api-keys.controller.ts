import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { RequireScope } from './route-access';
import { ApiKeyView, ApiKeysService } from './api-keys.service';

@Controller('v1/api-keys')
@RequireScope('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  create(@Body() body: { name?: unknown; scopes?: unknown } | undefined): Promise<{ id: string; key: string }> {
    return this.keys.create(body?.name, body?.scopes);
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
