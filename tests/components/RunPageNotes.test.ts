// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { installFakeApi, runDetail } from './runPageFakeApi'

let tags = ['baseline']
let note = 'first try'
const fake = installFakeApi({
  'runs.get': () => runDetail({ tags, note, status: 'completed' }),
  'runs.metrics': () => ({ series: [] }),
  'runs.tag': ({ tag, remove }) => {
    if (tag === 'bad') throw new Error('runs.tag: tag: too long')
    tags = remove ? tags.filter((t) => t !== tag) : [...new Set([...tags, tag as string])].sort()
    return { tags }
  },
  'runs.note': ({ text }) => {
    note = text as string
    return { note }
  },
  'runs.create': () => ({ id: 8 })
})
const { default: RunPageNotes } = await import('../../src/renderer/src/components/RunPageNotes.vue')
const { useRunStore } = await import('../../src/renderer/src/stores/run')

describe('RunPageNotes', () => {
  setActivePinia(createPinia())
  const run = useRunStore()

  it('adds and removes tag chips through runs.tag and shows what the service answers', async () => {
    await run.open(7)
    const wrapper = mount(RunPageNotes)
    const chips = () => wrapper.findAll('.chip').map((c) => c.text().replace('×', '').trim())
    expect(chips()).toEqual(['baseline'])
    await wrapper.find('[data-testid="tag-input"]').setValue(' promising ')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(fake.calls.at(-1)).toEqual({ method: 'runs.tag', args: { id: 7, tag: 'promising', remove: false } })
    expect(chips()).toEqual(['baseline', 'promising'])
    expect((wrapper.find('[data-testid="tag-input"]').element as HTMLInputElement).value).toBe('')
    await wrapper.find('[aria-label="Remove tag baseline"]').trigger('click')
    await flushPromises()
    expect(chips()).toEqual(['promising'])
    // A refused tag is shown where it happened.
    await wrapper.find('[data-testid="tag-input"]').setValue('bad')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('.error').text()).toContain('too long')
  })

  it('edits and saves the note; the Save button is only on while there are changes', async () => {
    await run.open(7)
    const wrapper = mount(RunPageNotes)
    const textarea = wrapper.find('[data-testid="note-input"]')
    const save = wrapper.find('[data-testid="note-save"]')
    expect((textarea.element as HTMLTextAreaElement).value).toBe('first try')
    expect(save.attributes('disabled')).toBeDefined()
    await textarea.setValue('N=20 learns digits 0–2 in 300 images')
    expect(save.attributes('disabled')).toBeUndefined()
    expect(wrapper.find('[data-testid="note-state"]').text()).toContain('Unsaved')
    await save.trigger('click')
    await flushPromises()
    expect(fake.calls.at(-1)).toEqual({ method: 'runs.note', args: { id: 7, text: 'N=20 learns digits 0–2 in 300 images' } })
    expect(run.detail?.note).toBe('N=20 learns digits 0–2 in 300 images')
    expect(wrapper.find('[data-testid="note-state"]').text()).toBe('Saved.')
    expect(save.attributes('disabled')).toBeDefined()
  })

  it('re-runs the same config as a new run in the same experiment', async () => {
    await run.open(7)
    expect(await run.rerun()).toBe(8)
    expect(fake.calls.at(-1)).toEqual({ method: 'runs.create', args: { config: run.detail!.config, experiment: 'Default' } })
  })
})
