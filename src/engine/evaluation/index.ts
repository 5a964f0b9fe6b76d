export * from './labels'
export * from './metrics'
