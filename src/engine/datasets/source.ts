/** Where a dataset comes from; resolved to an ImageSet by host/datasetFiles.ts `loadDataset`. */
export type DatasetSource =
  | {
      kind: 'mnist-bundled'
      /** Take images from the end of each digit's list (the reference's test split). Default false. */
      fromEnd?: boolean
      /** 'balanced' (default): 863 per digit, interleaved; 'all': all 10,000 in a fixed shuffled order. */
      digits?: 'balanced' | 'all'
    }
  | {
      kind: 'idx'
      /** Path of the IDX images file (plain or .gz). */
      images: string
      /** Path of the IDX labels file (plain or .gz). */
      labels: string
      /** Optional display names per label, e.g. FASHION_MNIST_CLASS_NAMES. */
      classNames?: string[]
    }
  | {
      kind: 'png-folder'
      /** Folder with one sub-folder per integer label: `<root>/<label>/*.png`. */
      root: string
      classNames?: string[]
    }

export type DatasetSourceKind = DatasetSource['kind']

/** Fashion-MNIST class names, by label. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot'
]
