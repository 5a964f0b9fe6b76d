/** Routes. Hash history, so the built app works from file:// in Electron as well as in a browser. */
import { createRouter, createWebHashHistory } from 'vue-router'
import RunsListView from '../views/RunsListView.vue'
import RunPageView from '../views/RunPageView.vue'
import NewRunView from '../views/NewRunView.vue'
import RunCompareView from '../views/RunCompareView.vue'
import SweepsListView from '../views/SweepsListView.vue'
import SweepNewView from '../views/SweepNewView.vue'
import SweepPageView from '../views/SweepPageView.vue'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'runs', component: RunsListView },
    {
      path: '/runs/:id(\\d+)',
      name: 'run',
      component: RunPageView,
      props: (route) => ({ id: Number(route.params.id) })
    },
    { path: '/new', name: 'new-run', component: NewRunView },
    {
      path: '/compare',
      name: 'compare',
      component: RunCompareView,
      // ?ids=3,7,9 — at most 8, each a positive integer
      props: (route) => ({
        ids: String(route.query.ids ?? '')
          .split(',')
          .map(Number)
          .filter((n) => Number.isInteger(n) && n > 0)
          .slice(0, 8)
      })
    },
    { path: '/sweeps', name: 'sweeps', component: SweepsListView },
    // ?from=12 takes run 12's config as the base
    { path: '/sweeps/new', name: 'new-sweep', component: SweepNewView },
    {
      path: '/sweeps/:id(\\d+)',
      name: 'sweep',
      component: SweepPageView,
      props: (route) => ({ id: Number(route.params.id) })
    },
    { path: '/:unknown(.*)*', redirect: '/' }
  ]
})
