// Jest's globalSetup is loaded with plain require, outside moduleNameMapper: resolve the
// @tessera/* aliases of tsconfig.json here too.
import { register } from 'tsconfig-paths';
import { compilerOptions } from '../../tsconfig.json';

register({ baseUrl: `${__dirname}/../..`, paths: compilerOptions.paths });
