export interface Post {
  id: number;
  slug: string;
  title: string;
  keywords: string[];
  publishedAt: Date;
}
