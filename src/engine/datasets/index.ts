// Pure (no Node APIs) dataset layer; file and folder loading lives in ../host/datasetFiles.ts.
export { DatasetError, type ImageSet } from './types'
export { type DatasetSource, type DatasetSourceKind, FASHION_MNIST_CLASS_NAMES } from './source'
export { gunzipChecked, imageSetFromIdx, isGzip, parseIdxImages, parseIdxLabels, type IdxFileNames, type IdxImages } from './idx'
export { decodeGrayPng, imageSetFromPngs, type GrayImage, type PngEntry } from './png'
export {
  BUNDLED_MNIST_ALL_SEED,
  BUNDLED_MNIST_SOURCE,
  bundledMnistImageIndex,
  bundledMnistImageSet,
  bundledMnistImageSetFromBytes,
  bundledMnistJsonIndex,
  bundledMnistPosition,
  MNIST_DIGIT_COUNT,
  MNIST_IMAGE_SIZE,
  MNIST_SIDE,
  mnistDigitBytes,
  mnistFloatToByte,
  roundHalfEven,
  type BundledMnistDigits,
  type BundledMnistOptions,
  type BundledMnistSet
} from './bundledMnist'
export { selectImages, subsetImageSet, type ImageSelection } from './select'
