/** Routes. Hash history, so the built app works from file:// in Electron as well as in a browser. */
import { createRouter, createWebHashHistory } from 'vue-router'
import RunsListView from '../views/RunsListView.vue'
import RunPageView from '../views/RunPageView.vue'
import NewRunView from '../views/NewRunView.vue'

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
    { path: '/:unknown(.*)*', redirect: '/' }
  ]
})
