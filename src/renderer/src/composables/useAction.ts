import { ref } from 'vue'
import { errorMessage } from '../api/client'

/**
 * A view's buttons that call the API one at a time: `busy` while one runs (to disable the
 * others), and its error as a message to show where it happened.
 */
export function useAction() {
  const busy = ref(false)
  const error = ref<string | null>(null)
  async function run(action: () => Promise<void>): Promise<void> {
    busy.value = true
    error.value = null
    try {
      await action()
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      busy.value = false
    }
  }
  return { busy, error, run }
}
