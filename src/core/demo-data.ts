// A deterministic synthetic catalog in the import CSV format, for demos, training mode and
// benchmarks. Hand-written: faker-style libraries neither produce bilingual zh/en product names
// nor guarantee the unique, check-digited barcodes the import insists on, and they are far too
// slow for a million rows.
//
// Every row is a pure function of (seed, index), so a benchmark can pick any product without
// reading the file. SKUs and barcodes depend on the index only (not on the seed), which is what
// `demoSkuFor(i)` / `demoBarcodeFor(i)` rely on.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { gtinCheckDigit } from '../domain/barcodes/gtin.ts';
import { formatMoney, minorDigits } from '../domain/money.ts';
import { seededRandom } from '../shared/seeded-random.ts';

export interface DemoCatalogOptions {
  /** Number of products (rows). */
  readonly products: number;
  /** Varies names, prices, departments and active flags; SKUs and barcodes do not depend on it. */
  readonly seed?: number;
  readonly currency?: string;
  /** Called at most ~10 times a second and once at the end. */
  readonly onProgress?: (written: number, total: number) => void;
}

export interface DemoCatalogResult {
  readonly products: number;
  readonly bytes: number;
}

export const DEMO_CSV_HEADER = 'sku,name_zh,name_en,price,unit,tax_class,department,active,barcodes';

/** The SKU of demo product `i` (0-based). */
export function demoSkuFor(i: number): string {
  return `P${String(i).padStart(7, '0')}`;
}

/** About 3 % of demo products are sold by weight: exactly those with i % 33 === 16. */
export function demoIsWeighed(i: number): boolean {
  return i % 33 === 16;
}

/** Weighed items get 5-digit PLUs 10000–99999 while they last (the first ~2.97 M products). */
export function demoPluFor(i: number): string | null {
  if (!demoIsWeighed(i)) return null;
  const n = Math.floor(i / 33);
  return n < 90_000 ? String(10_000 + n) : null;
}

function ean13(body12: string): string {
  return body12 + String(gtinCheckDigit(body12));
}

/** The primary EAN-13 (as printed, 13 digits, prefix 69 = China) of demo product `i`. */
export function demoBarcodeFor(i: number): string {
  return ean13(`69${String(2 * i).padStart(10, '0')}`);
}

function hasSecondBarcode(i: number): boolean {
  return mix32(i ^ 0x5bd1e995) % 5 < 2;
}

/** Every barcode written for demo product `i`: one or two EAN-13s, plus a PLU for weighed items. */
export function demoBarcodesFor(i: number): string[] {
  const codes = [demoBarcodeFor(i)];
  if (hasSecondBarcode(i)) codes.push(ean13(`69${String(2 * i + 1).padStart(10, '0')}`));
  const plu = demoPluFor(i);
  if (plu !== null) codes.push(plu);
  return codes;
}

// ---- deterministic randomness -------------------------------------------------------------

/** A 32-bit integer hash (Murmur3 finalizer): spreads consecutive indexes uniformly. */
function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function pick<T>(list: readonly T[], r: number): T {
  const item = list[Math.floor(r * list.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

// ---- vocabulary ---------------------------------------------------------------------------

type Word = readonly [zh: string, en: string];

interface Department {
  readonly name: string;
  readonly taxClass: 'standard' | 'reduced' | 'services' | 'zero';
  readonly nouns: readonly Word[];
  readonly sizes: readonly string[];
  /** Sold by the kilogram when the row is a weighed item. */
  readonly weighable: boolean;
}

// Tax classes follow China's VAT practice loosely: farm produce 9 %, vegetables exempt,
// processed goods 13 %, services 6 %.
const DEPARTMENTS: readonly Department[] = [
  {
    name: 'Fruit',
    taxClass: 'reduced',
    weighable: true,
    sizes: ['500g', '1kg', '2kg', '6pcs', '250g'],
    nouns: [
      ['苹果', 'Apple'], ['香蕉', 'Banana'], ['橙子', 'Orange'], ['葡萄', 'Grapes'], ['西瓜', 'Watermelon'],
      ['草莓', 'Strawberry'], ['芒果', 'Mango'], ['菠萝', 'Pineapple'], ['梨', 'Pear'], ['桃子', 'Peach'],
      ['樱桃', 'Cherry'], ['猕猴桃', 'Kiwi'], ['柚子', 'Pomelo'], ['荔枝', 'Lychee'], ['龙眼', 'Longan'],
      ['火龙果', 'Dragon Fruit'], ['蓝莓', 'Blueberry'], ['柠檬', 'Lemon'], ['哈密瓜', 'Hami Melon'], ['李子', 'Plum'],
    ],
  },
  {
    name: 'Vegetables',
    taxClass: 'zero',
    weighable: true,
    sizes: ['500g', '1kg', '250g', '300g'],
    nouns: [
      ['白菜', 'Napa Cabbage'], ['土豆', 'Potato'], ['西红柿', 'Tomato'], ['黄瓜', 'Cucumber'], ['胡萝卜', 'Carrot'],
      ['洋葱', 'Onion'], ['大蒜', 'Garlic'], ['生姜', 'Ginger'], ['菠菜', 'Spinach'], ['西兰花', 'Broccoli'],
      ['茄子', 'Eggplant'], ['青椒', 'Green Pepper'], ['芹菜', 'Celery'], ['南瓜', 'Pumpkin'], ['莲藕', 'Lotus Root'],
      ['香菇', 'Shiitake'], ['豆芽', 'Bean Sprouts'], ['玉米', 'Sweet Corn'], ['山药', 'Chinese Yam'], ['冬瓜', 'Winter Melon'],
    ],
  },
  {
    name: 'Meat',
    taxClass: 'reduced',
    weighable: true,
    sizes: ['500g', '1kg', '300g', '400g'],
    nouns: [
      ['猪肉', 'Pork'], ['五花肉', 'Pork Belly'], ['排骨', 'Spare Ribs'], ['牛肉', 'Beef'], ['牛腩', 'Beef Brisket'],
      ['羊肉', 'Lamb'], ['鸡胸肉', 'Chicken Breast'], ['鸡腿', 'Chicken Leg'], ['鸡翅', 'Chicken Wings'], ['鸭肉', 'Duck'],
      ['肉馅', 'Minced Pork'], ['牛排', 'Steak'],
    ],
  },
  {
    name: 'Seafood',
    taxClass: 'reduced',
    weighable: true,
    sizes: ['500g', '1kg', '250g'],
    nouns: [
      ['大虾', 'Prawns'], ['鲈鱼', 'Sea Bass'], ['三文鱼', 'Salmon'], ['带鱼', 'Hairtail'], ['鱿鱼', 'Squid'],
      ['扇贝', 'Scallops'], ['蛤蜊', 'Clams'], ['螃蟹', 'Crab'], ['草鱼', 'Grass Carp'], ['鳕鱼', 'Cod'],
    ],
  },
  {
    name: 'Dairy',
    taxClass: 'standard',
    weighable: false,
    sizes: ['250ml', '1L', '200g', '6x200ml', '950ml', '12x250ml'],
    nouns: [
      ['牛奶', 'Milk'], ['酸奶', 'Yogurt'], ['奶酪', 'Cheese'], ['黄油', 'Butter'], ['鸡蛋', 'Eggs'],
      ['豆浆', 'Soy Milk'], ['奶油', 'Cream'], ['乳酸菌饮料', 'Probiotic Drink'], ['奶粉', 'Milk Powder'], ['鸭蛋', 'Duck Eggs'],
    ],
  },
  {
    name: 'Beverages',
    taxClass: 'standard',
    weighable: false,
    sizes: ['330ml', '500ml', '1.5L', '6x330ml', '24x330ml', '2L'],
    nouns: [
      ['矿泉水', 'Mineral Water'], ['可乐', 'Cola'], ['橙汁', 'Orange Juice'], ['绿茶', 'Green Tea'], ['红茶', 'Black Tea'],
      ['乌龙茶', 'Oolong Tea'], ['咖啡', 'Coffee'], ['苏打水', 'Soda Water'], ['椰子水', 'Coconut Water'], ['运动饮料', 'Sports Drink'],
      ['凉茶', 'Herbal Tea'], ['酸梅汤', 'Plum Juice'],
    ],
  },
  {
    name: 'Alcohol',
    taxClass: 'standard',
    weighable: false,
    sizes: ['500ml', '750ml', '330ml', '6x500ml', '125ml'],
    nouns: [
      ['啤酒', 'Beer'], ['红酒', 'Red Wine'], ['白酒', 'Baijiu'], ['黄酒', 'Rice Wine'], ['米酒', 'Sweet Rice Wine'],
      ['威士忌', 'Whisky'], ['梅子酒', 'Plum Wine'], ['白葡萄酒', 'White Wine'],
    ],
  },
  {
    name: 'Snacks',
    taxClass: 'standard',
    weighable: false,
    sizes: ['100g', '150g', '200g', '500g', '70g', '12pcs'],
    nouns: [
      ['薯片', 'Potato Chips'], ['饼干', 'Biscuits'], ['巧克力', 'Chocolate'], ['坚果', 'Mixed Nuts'], ['瓜子', 'Sunflower Seeds'],
      ['花生', 'Peanuts'], ['牛肉干', 'Beef Jerky'], ['果冻', 'Jelly'], ['糖果', 'Candy'], ['海苔', 'Seaweed Snack'],
      ['爆米花', 'Popcorn'], ['辣条', 'Spicy Strips'], ['蛋卷', 'Egg Rolls'], ['月饼', 'Mooncake'], ['话梅', 'Dried Plum'],
    ],
  },
  {
    name: 'Grain & Oil',
    taxClass: 'reduced',
    weighable: false,
    sizes: ['1kg', '5kg', '2.5kg', '500g', '1.8L', '5L'],
    nouns: [
      ['大米', 'Rice'], ['面粉', 'Flour'], ['挂面', 'Noodles'], ['小米', 'Millet'], ['糯米', 'Glutinous Rice'],
      ['燕麦', 'Oats'], ['花生油', 'Peanut Oil'], ['菜籽油', 'Rapeseed Oil'], ['橄榄油', 'Olive Oil'], ['绿豆', 'Mung Beans'],
      ['红豆', 'Red Beans'], ['黄豆', 'Soybeans'],
    ],
  },
  {
    name: 'Condiments',
    taxClass: 'standard',
    weighable: false,
    sizes: ['500ml', '250g', '1L', '400g', '150g'],
    nouns: [
      ['酱油', 'Soy Sauce'], ['醋', 'Vinegar'], ['食盐', 'Salt'], ['白糖', 'Sugar'], ['蚝油', 'Oyster Sauce'],
      ['辣椒酱', 'Chili Sauce'], ['料酒', 'Cooking Wine'], ['豆瓣酱', 'Bean Paste'], ['芝麻油', 'Sesame Oil'], ['花椒', 'Sichuan Pepper'],
      ['鸡精', 'Chicken Bouillon'], ['番茄酱', 'Ketchup'],
    ],
  },
  {
    name: 'Frozen',
    taxClass: 'standard',
    weighable: false,
    sizes: ['500g', '1kg', '400g', '20pcs', '30pcs'],
    nouns: [
      ['饺子', 'Dumplings'], ['汤圆', 'Tangyuan'], ['包子', 'Steamed Buns'], ['馄饨', 'Wontons'], ['冰淇淋', 'Ice Cream'],
      ['鱼丸', 'Fish Balls'], ['春卷', 'Spring Rolls'], ['速冻玉米', 'Frozen Corn'], ['雪糕', 'Ice Bar'], ['粽子', 'Zongzi'],
    ],
  },
  {
    name: 'Bakery',
    taxClass: 'standard',
    weighable: false,
    sizes: ['400g', '6pcs', '2pcs', '300g'],
    nouns: [
      ['面包', 'Bread'], ['吐司', 'Toast'], ['蛋糕', 'Cake'], ['牛角包', 'Croissant'], ['馒头', 'Mantou'],
      ['花卷', 'Flower Roll'], ['蛋挞', 'Egg Tart'], ['司康', 'Scone'],
    ],
  },
  {
    name: 'Household',
    taxClass: 'standard',
    weighable: false,
    sizes: ['1pc', '3pcs', '10rolls', '2L', '500ml', '100pcs'],
    nouns: [
      ['纸巾', 'Tissues'], ['卷纸', 'Toilet Paper'], ['洗衣液', 'Laundry Detergent'], ['洗洁精', 'Dish Soap'], ['垃圾袋', 'Trash Bags'],
      ['保鲜膜', 'Cling Film'], ['电池', 'Batteries'], ['灯泡', 'Light Bulb'], ['拖把', 'Mop'], ['毛巾', 'Towel'],
      ['衣架', 'Hangers'], ['湿巾', 'Wet Wipes'], ['雨伞', 'Umbrella'],
    ],
  },
  {
    name: 'Personal Care',
    taxClass: 'standard',
    weighable: false,
    sizes: ['400ml', '120g', '750ml', '1pc', '2pcs', '50ml'],
    nouns: [
      ['洗发水', 'Shampoo'], ['沐浴露', 'Shower Gel'], ['牙膏', 'Toothpaste'], ['牙刷', 'Toothbrush'], ['香皂', 'Soap'],
      ['护手霜', 'Hand Cream'], ['洗面奶', 'Facial Cleanser'], ['护发素', 'Conditioner'], ['剃须刀', 'Razor'], ['防晒霜', 'Sunscreen'],
    ],
  },
  {
    name: 'Services',
    taxClass: 'services',
    weighable: false,
    sizes: ['1x', '1 order', '1h'],
    nouns: [
      ['礼品包装', 'Gift Wrapping'], ['送货上门', 'Home Delivery'], ['配钥匙', 'Key Cutting'], ['手机充值', 'Phone Top-up'],
      ['照片冲印', 'Photo Printing'], ['干洗', 'Dry Cleaning'],
    ],
  },
];

const ADJECTIVES: readonly Word[] = [
  ['有机', 'Organic'], ['新鲜', 'Fresh'], ['进口', 'Imported'], ['精选', 'Select'], ['特级', 'Premium'],
  ['低脂', 'Low-fat'], ['无糖', 'Sugar-free'], ['家庭装', 'Family Size'], ['经典', 'Classic'], ['原味', 'Original'],
  ['香辣', 'Spicy'], ['甜', 'Sweet'], ['野生', 'Wild'], ['农家', 'Farmhouse'], ['手工', 'Handmade'],
  ['冷鲜', 'Chilled'], ['散装', 'Loose'], ['小包装', 'Snack Size'], ['高钙', 'High-calcium'], ['全麦', 'Wholegrain'],
  ['绿色', 'Green'], ['天然', 'Natural'], ['清香', 'Light'], ['浓香', 'Rich'], ['五香', 'Five-spice'],
  ['红烧', 'Braised'], ['迷你', 'Mini'], ['超值', 'Value'], ['儿童', 'Kids'], ['东北', 'Northeast'],
  ['云南', 'Yunnan'], ['新疆', 'Xinjiang'], ['山东', 'Shandong'], ['四川', 'Sichuan'], ['海南', 'Hainan'],
  ['日式', 'Japanese-style'], ['韩式', 'Korean-style'], ['法式', 'French-style'], ['轻盈', 'Lite'], ['醇香', 'Mellow'],
];

const BRANDS: readonly Word[] = [
  ['鲜农', 'FreshFarm'], ['绿源', 'GreenSource'], ['金谷', 'GoldenGrain'], ['山泉', 'SpringHill'], ['海之味', 'SeaTaste'],
  ['百味', 'Baiwei'], ['福临', 'Fulin'], ['天天', 'Daily'], ['优选', 'BestPick'], ['家乐', 'HomeJoy'],
  ['老字号', 'Heritage'], ['康乐', 'Kangle'], ['晨光', 'Morning'], ['江南', 'Jiangnan'], ['北方', 'Northland'],
];

const WEIGHABLE = DEPARTMENTS.filter((d) => d.weighable);

// ---- rows ---------------------------------------------------------------------------------

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

interface PriceRange {
  readonly min: number;
  readonly max: number;
}

function priceRange(currency: string): PriceRange {
  // 0.50–999.99 in a two-decimal currency; the same span of major units otherwise.
  const scale = 10 ** minorDigits(currency);
  return { min: Math.max(1, Math.round(0.5 * scale)), max: 1000 * scale - 1 };
}

function demoRow(i: number, seed: number, currency: string, range: PriceRange): string {
  const r = seededRandom(mix32(seed ^ mix32(i + 1)));
  const weighed = demoIsWeighed(i);
  const dept = weighed ? pick(WEIGHABLE, r()) : pick(DEPARTMENTS, r());
  const noun = pick(dept.nouns, r());
  const adj = pick(ADJECTIVES, r());
  const brand = r() < 0.3 ? pick(BRANDS, r()) : null;
  const size = weighed ? '' : pick(dept.sizes, r());
  const nameZh = `${brand ? brand[0] : ''}${adj[0]}${noun[0]}${size ? ` ${size}` : ''}`;
  const nameEn = `${brand ? `${brand[1]} ` : ''}${adj[1]} ${noun[1]}${size ? ` ${size}` : ''}`;
  // Log-uniform prices: many cheap items, a few expensive ones.
  const amount = Math.min(range.max, Math.max(range.min, Math.round(range.min * (range.max / range.min) ** r())));
  const price = formatMoney({ amount, currency });
  const active = r() < 0.02 ? '0' : '1';
  return [
    demoSkuFor(i),
    csvField(nameZh),
    csvField(nameEn),
    price,
    weighed ? 'kg' : 'each',
    dept.taxClass,
    csvField(dept.name),
    active,
    demoBarcodesFor(i).join('|'),
  ].join(',');
}

const ROWS_PER_CHUNK = 2000;

/**
 * Writes `products` demo rows (plus the header) to a file path or a Writable. A path is created
 * (overwritten) and closed; a Writable is written with back-pressure and left open.
 */
export async function writeDemoCatalog(out: Writable | string, options: DemoCatalogOptions): Promise<DemoCatalogResult> {
  const total = options.products;
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`products must be a whole number ≥ 0, got ${total}`);
  const seed = (options.seed ?? 1) | 0;
  const currency = options.currency ?? 'CNY';
  const range = priceRange(currency);
  const stream = typeof out === 'string' ? createWriteStream(out) : out;
  let bytes = 0;
  let lastReport = 0;

  const write = async (chunk: string): Promise<void> => {
    bytes += Buffer.byteLength(chunk);
    if (!stream.write(chunk)) await once(stream, 'drain');
  };

  try {
    await write(`${DEMO_CSV_HEADER}\n`);
    for (let start = 0; start < total; start += ROWS_PER_CHUNK) {
      const end = Math.min(total, start + ROWS_PER_CHUNK);
      const lines: string[] = [];
      for (let i = start; i < end; i += 1) lines.push(demoRow(i, seed, currency, range));
      await write(`${lines.join('\n')}\n`);
      const now = Date.now();
      if (options.onProgress && now - lastReport >= 100) {
        lastReport = now;
        options.onProgress(end, total);
      }
    }
    options.onProgress?.(total, total);
  } finally {
    if (typeof out === 'string') {
      stream.end();
      await finished(stream);
    }
  }
  return { products: total, bytes };
}
