// Stable data-testid values for the e2e tests (tests/e2e/**): the specs import these constants,
// so renaming one is a compile error on both sides. Per-row ids take the row's key as a suffix
// (`cart-line-3`, `device-printer-1`, `quick-key-SKU`, `recent-sale-<saleId>`).
//
// Every surface
//   app-loading        "connecting" screen before terminal.hello answers
//   app-start-error    the start failed (message + retry)
//   connection-lost    banner while the channel is down (browser mode)
//   training-badge     shown when TerminalInfo.training
//   language-switch    the language toggle (each button: language-<code>)
// Cashier `/`
//   cashier-screen (data-phase = CheckoutView.phase, data-state = the machine's state,
//   data-connection = the channel's state)
//   error-banner (the core's CheckoutView.error or a refused request, verbatim), error-dismiss
//   notice-banner (CheckoutView.notice), info-banner (a reprint's outcome)
//   device-notice (one per 'notice' event shown), device-alerts (devices not ready),
//   printer-status
//   search-input, search-results, search-hit-<sku>, quick-keys, quick-key-<sku>
//   cart, cart-line-<lineNo> (data-sku), cart-empty, cart-busy
//   total-amount, total-tax, total-discounts, total-lines
//   pay-button (F12), function-bar, fkey-<action> (every function-bar button)
//   tender-panel, due-amount, paid-amount, cash-input, cash-take, cash-exact,
//   quick-cash-<minor>, pay-alipay-qr, pay-wechat-qr, customer-code-input, customer-code-pay,
//   tender-list, back-button (no-paper panel; on the tender screen Back is fkey-back)
//   payment-panel (data-mode: qr | barcode), payment-message, payment-countdown, stop-payment
//   busy-panel, no-paper-panel, continue-without-receipt, commit-failed-panel, retry-button
//   sale-done, change-amount, receipt-status (data-status: printed | unconfirmed | deferred |
//   interrupted | failed | none | printing), reprint-last
//   dialog (every dialog), dialog-input, dialog-reason, dialog-confirm, dialog-cancel,
//   reason-chip-<n>, discount-mode-amount, discount-mode-percent, discount-remove
//   help-overlay, recent-sales, recent-sale-<saleId>, receipt-preview, receipt-preview-image,
//   reprint-button (in recent-sales), parked-sales, parked-<saleId>, park-button (the
//   "Parked: n" button that opens parked-sales)
//   operator (data-user = user id or '' in setup mode, data-role), logout, no-sale-dialog (F10
//   with no sale open)
// Promotions, coupons and members on the cashier screen (issue 8)
//   line-promotions-<lineNo> (the list under a line), line-promotion-<lineNo>-<promotionId>,
//   total-promotions, cart-savings (the block below the lines), basket-promotion-<promotionId>,
//   cart-coupon (data-code, data-state = applied | belowMinimum), cart-coupon-minimum,
//   cart-coupon-remove, cart-member (data-member = member id), cart-member-points,
//   cart-points-redeemed, cart-redeem, cart-member-remove,
//   coupon-dialog, member-dialog, redeem-dialog (redeem-take-back: redeem 0), remove-coupon-dialog,
//   remove-member-dialog
//   (their field is dialog-input, their button dialog-confirm)
// Log-in and approval (cashier and manager; issue 7)
//   The cashier root keeps cashier-screen with data-phase="login" while the log-in shows; the
//   manager root carries data-session = loading | login | ready.
//   login-screen, login-error (the core's message), login-submit, user-list, user-<userId>
//   (data-locked), pin-input, pin-key-<0..9|back|clear>
//   approval-dialog, approval-message (the core's reason), approval-pin, approval-confirm;
//   the user list inside it is user-list / user-<userId> too
// Customer display `/customer`
//   customer-screen (data-phase), customer-lines, customer-line-<n> (the n-th line the display
//   lists, from 1, in CustomerView order: equal to the cart's lineNo only while nothing is void),
//   customer-total (the total, or what is still to pay once something is paid; in the paid
//   phase the amount paid),
//   customer-qr (the <img> to screenshot and decode; data-payload), customer-qr-amount,
//   customer-countdown,
//   customer-message, customer-change,
//   customer-line-promotion-<n>-<i> (the i-th promotion, from 1, under the n-th line),
//   customer-savings ("you save"), customer-member (the greeting)
// Manager `/manager`
//   manager-screen, device-panel, device-<id> (data-state), device-state-<id>,
//   device-reconnect-<id>, device-test-print, device-open-drawer, manager-result, manager-notices
//   manager-tab-<id> (devices | shift | reports | reconcile | history | members | users | store),
//   manager-panel-<id> (the open tab's panel), setup-banner, manager-header-error (a refused log-out)
//   Shift tab: shift-panel (data-shift = open | closed), shift-result, shift-summary,
//   shift-fact-<opened-at|opened-by|cashier|float|paid-in|paid-out|sales>, shift-open-form,
//   float-mode-count, float-mode-amount, float-amount, shift-open, cash-movement-form,
//   cash-kind-<paid-in|paid-out>, cash-amount, cash-submit, shift-close-form, shift-close,
//   shift-close-result (data-over-short = short | over | even), shift-counted, shift-expected,
//   shift-over-short, shift-working, shift-close-done
//   Count sheets (DenominationGrid): <prefix>-grid, <prefix>-<key> (a row's field, key as
//   DenominationView.key), <prefix>-total; prefixes: float (open), close (blind close)

export const TID = {
  appLoading: 'app-loading',
  appStartError: 'app-start-error',
  connectionLost: 'connection-lost',
  trainingBadge: 'training-badge',
  languageSwitch: 'language-switch',
  language: (code: string) => `language-${code}`,

  cashierScreen: 'cashier-screen',
  errorBanner: 'error-banner',
  errorDismiss: 'error-dismiss',
  noticeBanner: 'notice-banner',
  infoBanner: 'info-banner',
  deviceNotice: 'device-notice',
  deviceAlerts: 'device-alerts',
  printerStatus: 'printer-status',
  /** The store sync chip (cashier header) and panel (manager); carries data-state and data-backlog. */
  syncStatus: 'sync-status',
  searchInput: 'search-input',
  searchResults: 'search-results',
  searchHit: (sku: string) => `search-hit-${sku}`,
  quickKeys: 'quick-keys',
  quickKey: (sku: string) => `quick-key-${sku}`,
  cart: 'cart',
  cartLine: (lineNo: number) => `cart-line-${lineNo}`,
  cartEmpty: 'cart-empty',
  cartBusy: 'cart-busy',
  totalAmount: 'total-amount',
  totalTax: 'total-tax',
  totalDiscounts: 'total-discounts',
  totalLines: 'total-lines',
  payButton: 'pay-button',
  functionBar: 'function-bar',
  fkey: (action: string) => `fkey-${action}`,

  tenderPanel: 'tender-panel',
  dueAmount: 'due-amount',
  paidAmount: 'paid-amount',
  cashInput: 'cash-input',
  cashTake: 'cash-take',
  cashExact: 'cash-exact',
  quickCash: (minor: number) => `quick-cash-${minor}`,
  payAlipayQr: 'pay-alipay-qr',
  payWechatQr: 'pay-wechat-qr',
  customerCodeInput: 'customer-code-input',
  customerCodePay: 'customer-code-pay',
  tenderList: 'tender-list',
  backButton: 'back-button',

  paymentPanel: 'payment-panel',
  paymentMessage: 'payment-message',
  paymentCountdown: 'payment-countdown',
  stopPayment: 'stop-payment',
  busyPanel: 'busy-panel',
  noPaperPanel: 'no-paper-panel',
  continueWithoutReceipt: 'continue-without-receipt',
  commitFailedPanel: 'commit-failed-panel',
  retryButton: 'retry-button',
  saleDone: 'sale-done',
  changeAmount: 'change-amount',
  receiptStatus: 'receipt-status',
  reprintLast: 'reprint-last',

  dialog: 'dialog',
  dialogInput: 'dialog-input',
  dialogReason: 'dialog-reason',
  dialogConfirm: 'dialog-confirm',
  dialogCancel: 'dialog-cancel',
  reasonChip: (n: number) => `reason-chip-${n}`,
  discountModeAmount: 'discount-mode-amount',
  discountModePercent: 'discount-mode-percent',
  discountRemove: 'discount-remove',
  helpOverlay: 'help-overlay',
  recentSales: 'recent-sales',
  recentSale: (saleId: string) => `recent-sale-${saleId}`,
  receiptPreview: 'receipt-preview',
  receiptPreviewImage: 'receipt-preview-image',
  reprintButton: 'reprint-button',
  parkedSales: 'parked-sales',
  parked: (saleId: string) => `parked-${saleId}`,
  parkButton: 'park-button',

  linePromotions: (lineNo: number) => `line-promotions-${lineNo}`,
  linePromotion: (lineNo: number, promotionId: string) => `line-promotion-${lineNo}-${promotionId}`,
  totalPromotions: 'total-promotions',
  cartSavings: 'cart-savings',
  basketPromotion: (promotionId: string) => `basket-promotion-${promotionId}`,
  cartCoupon: 'cart-coupon',
  cartCouponMinimum: 'cart-coupon-minimum',
  cartCouponRemove: 'cart-coupon-remove',
  cartMember: 'cart-member',
  cartMemberPoints: 'cart-member-points',
  cartPointsRedeemed: 'cart-points-redeemed',
  cartRedeem: 'cart-redeem',
  cartMemberRemove: 'cart-member-remove',
  couponDialog: 'coupon-dialog',
  memberDialog: 'member-dialog',
  redeemDialog: 'redeem-dialog',
  redeemTakeBack: 'redeem-take-back',
  removeCouponDialog: 'remove-coupon-dialog',
  removeMemberDialog: 'remove-member-dialog',

  customerScreen: 'customer-screen',
  customerLines: 'customer-lines',
  customerLine: (n: number) => `customer-line-${n}`,
  customerTotal: 'customer-total',
  customerQr: 'customer-qr',
  customerQrAmount: 'customer-qr-amount',
  customerCountdown: 'customer-countdown',
  customerMessage: 'customer-message',
  customerChange: 'customer-change',
  customerLinePromotion: (n: number, i: number) => `customer-line-promotion-${n}-${i}`,
  customerSavings: 'customer-savings',
  customerMember: 'customer-member',

  managerScreen: 'manager-screen',
  devicePanel: 'device-panel',
  device: (id: string) => `device-${id}`,
  deviceState: (id: string) => `device-state-${id}`,
  deviceReconnect: (id: string) => `device-reconnect-${id}`,
  deviceTestPrint: 'device-test-print',
  deviceOpenDrawer: 'device-open-drawer',
  managerResult: 'manager-result',
  managerNotices: 'manager-notices',
  managerTab: (id: string) => `manager-tab-${id}`,
  managerTabPanel: (id: string) => `manager-panel-${id}`,
  managerHeaderError: 'manager-header-error',
  setupBanner: 'setup-banner',

  operator: 'operator',
  logout: 'logout',
  noSaleDialog: 'no-sale-dialog',
  loginScreen: 'login-screen',
  loginError: 'login-error',
  loginSubmit: 'login-submit',
  userList: 'user-list',
  userChoice: (userId: string) => `user-${userId}`,
  pinInput: 'pin-input',
  pinKey: (key: string) => `pin-key-${key}`,
  approvalDialog: 'approval-dialog',
  approvalMessage: 'approval-message',
  approvalPin: 'approval-pin',
  approvalConfirm: 'approval-confirm',

  shiftPanel: 'shift-panel',
  shiftResult: 'shift-result',
  shiftSummary: 'shift-summary',
  shiftFact: (id: string) => `shift-fact-${id}`,
  shiftOpenForm: 'shift-open-form',
  floatModeCount: 'float-mode-count',
  floatModeAmount: 'float-mode-amount',
  floatAmount: 'float-amount',
  shiftOpen: 'shift-open',
  cashMovementForm: 'cash-movement-form',
  cashKind: (kind: string) => `cash-kind-${kind}`,
  cashAmount: 'cash-amount',
  cashSubmit: 'cash-submit',
  shiftCloseForm: 'shift-close-form',
  shiftClose: 'shift-close',
  shiftCloseResult: 'shift-close-result',
  shiftCounted: 'shift-counted',
  shiftExpected: 'shift-expected',
  shiftOverShort: 'shift-over-short',
  shiftWorking: 'shift-working',
  shiftCloseDone: 'shift-close-done',
  countGrid: (prefix: string) => `${prefix}-grid`,
  countInput: (prefix: string, key: string) => `${prefix}-${key}`,
  countTotal: (prefix: string) => `${prefix}-total`,
} as const;
